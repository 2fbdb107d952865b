/**
 * Message construction and classification. `newMessage` fills every field so handlers only name
 * what matters; `isResponseType` lists the messages that acknowledge durable state and must
 * therefore wait for the persist (Ready.messagesAfterPersist).
 */
import type { Message, MessageType, NodeId } from './types.js';

/** The fields a handler sets; everything else gets its zero value. */
export type MessageFields = Partial<Message> & { type: MessageType; to: NodeId };

/** A complete message with zero values for unnamed fields. */
export function newMessage(fields: MessageFields): Message {
  const m: Message = {
    type: fields.type,
    from: fields.from ?? '',
    to: fields.to,
    term: fields.term ?? 0,
    logTerm: fields.logTerm ?? 0,
    index: fields.index ?? 0,
    entries: fields.entries ?? [],
    commit: fields.commit ?? 0,
    reject: fields.reject ?? false,
    rejectHint: fields.rejectHint ?? 0,
  };
  if (fields.context !== undefined) m.context = fields.context;
  if (fields.snapshot !== undefined) m.snapshot = fields.snapshot;
  return m;
}

/** Responses that promise durable state (a vote, an appended log) — sent only after the persist. */
export function isResponseType(type: MessageType): boolean {
  return type === 'MsgAppResp' || type === 'MsgVoteResp' || type === 'MsgPreVoteResp';
}

/** The response type of a vote request. */
export function voteRespType(type: 'MsgVote' | 'MsgPreVote'): 'MsgVoteResp' | 'MsgPreVoteResp' {
  return type === 'MsgVote' ? 'MsgVoteResp' : 'MsgPreVoteResp';
}

/** Context marking a vote request of a leadership transfer (it overrides the leader lease). */
export const campaignTransferContext = new TextEncoder().encode('CampaignTransfer');

/** True when `ctx` is the transfer marker. */
export function isTransferContext(ctx: Uint8Array | undefined): boolean {
  if (!ctx || ctx.length !== campaignTransferContext.length) return false;
  for (let i = 0; i < ctx.length; i++) if (ctx[i] !== campaignTransferContext[i]) return false;
  return true;
}
