/**
 * Interprets scenario scripts (etcd interaction-test style) against an in-memory `Cluster` and
 * returns a transcript: each command echoed as `> cmd`, followed by what it caused (Readys handled,
 * messages, state). Commands:
 *   add-nodes N [opts]            voters 1..N
 *   new-cluster [opts]            start over with an empty cluster
 *   add-node ID voters=a,b [learners=c] [term=T] [vote=V] [commit=C] [log=t/i,t/i] [opts]
 *     opts: pre-vote=bool check-quorum=bool chunk=BYTES max-msg-bytes=N
 *   campaign ID | elect-without-commit ID (expires the others' leader lease, delivers only votes) | propose ID DATA | propose-conf-change ID TYPE NODE
 *   transfer-leadership FROM TO | read-index ID CTX | report-unreachable ID PEER
 *   process-ready ID... | deliver-msgs ID... | drop-msgs [to=ID] [type=T] | stabilize [ID...]
 *   tick ID [N] | tick-heartbeat ID | tick-election ID
 *   partition A B|C D | heal | compact ID INDEX | restart ID
 *   raft-log ID | raft-state | status ID | read-states ID | applied ID | queue
 */
import { isArcaError } from '../../src/lib/errors.js';
import type { ConfChange, Entry } from '../../src/raft/types.js';
import { EntryType } from '../../src/raft/types.js';
import { MemoryStorage } from '../../src/raft/memory-storage.js';
import { Cluster, type NodeOptions } from './harness.js';
import { formatEntries, formatMessage } from './format.js';

const enc = new TextEncoder();

function parseOpts(args: string[]): { kv: Map<string, string>; rest: string[] } {
  const kv = new Map<string, string>();
  const rest: string[] = [];
  for (const a of args) {
    const i = a.indexOf('=');
    if (i > 0) kv.set(a.slice(0, i), a.slice(i + 1));
    else rest.push(a);
  }
  return { kv, rest };
}

function nodeOptions(kv: Map<string, string>): NodeOptions {
  const o: NodeOptions = {};
  const bool = (k: string) => (kv.has(k) ? kv.get(k) === 'true' : undefined);
  const pv = bool('pre-vote');
  if (pv !== undefined) o.preVote = pv;
  const cq = bool('check-quorum');
  if (cq !== undefined) o.checkQuorum = cq;
  if (kv.has('chunk')) o.snapshotChunkBytes = Number(kv.get('chunk'));
  if (kv.has('max-msg-bytes')) o.maxSizePerMsgBytes = Number(kv.get('max-msg-bytes'));
  return o;
}

function parseLog(spec: string | undefined): Entry[] {
  if (!spec) return [];
  return spec.split(',').map((tok) => {
    const [t, i] = tok.split('/').map(Number);
    return { term: t ?? 0, index: i ?? 0, type: EntryType.Normal, data: new Uint8Array(0) };
  });
}

/** Runs one script; returns the transcript. */
export function runScenario(script: string): string {
  let cluster = new Cluster();
  const out: string[] = [];
  const flushLog = () => {
    out.push(...cluster.log);
    cluster.log = [];
  };
  for (const rawLine of script.split('\n')) {
    const line = rawLine.trimEnd();
    if (line.trim() === '' || line.trimStart().startsWith('#')) {
      out.push(line);
      continue;
    }
    out.push(`> ${line}`);
    const [cmd, ...args] = line.trim().split(/\s+/);
    try {
      cluster = execute(cluster, cmd ?? '', args, out);
    } catch (e) {
      out.push(`  error: ${isArcaError(e) ? `${e.code}: ${e.message}` : (e as Error).message}`);
    }
    flushLog();
  }
  return out.join('\n') + '\n';
}

function execute(c: Cluster, cmd: string, args: string[], out: string[]): Cluster {
  const { kv, rest } = parseOpts(args);
  const id = rest[0] ?? '';
  switch (cmd) {
    case 'add-nodes': {
      const n = Number(id);
      const ids = Array.from({ length: n }, (_, i) => String(i + 1));
      const fresh = new Cluster(nodeOptions(kv));
      for (const nid of ids) fresh.addNode(nid, ids);
      return fresh;
    }
    case 'new-cluster':
      return new Cluster(nodeOptions(kv));
    case 'add-node': {
      const voters = (kv.get('voters') ?? '').split(',').filter(Boolean);
      const learners = (kv.get('learners') ?? '').split(',').filter(Boolean);
      const storage = new MemoryStorage({
        confState: { voters, learners },
        entries: parseLog(kv.get('log')),
        hardState: {
          term: Number(kv.get('term') ?? 0),
          vote: kv.get('vote') ?? '',
          commit: Number(kv.get('commit') ?? 0),
        },
      });
      c.addNode(id, voters, learners, nodeOptions(kv), storage);
      return c;
    }
    case 'campaign':
      c.node(id).raw.campaign();
      return c;
    case 'elect-without-commit':
      c.electWithoutCommit(id);
      return c;
    case 'propose': {
      const r = c.node(id).raw.propose(enc.encode(rest[1] ?? ''));
      out.push(`  proposed at ${r.term}/${r.index}`);
      return c;
    }
    case 'propose-conf-change': {
      const cc = { type: rest[1], nodeId: rest[2] ?? '' } as ConfChange;
      const r = c.node(id).raw.proposeConfChange(cc);
      out.push(`  proposed at ${r.term}/${r.index}`);
      return c;
    }
    case 'transfer-leadership':
      c.node(id).raw.transferLeadership(rest[1] ?? '');
      return c;
    case 'read-index':
      c.node(id).raw.readIndex(enc.encode(rest[1] ?? ''));
      return c;
    case 'report-unreachable':
      c.node(id).raw.reportUnreachable(rest[1] ?? '');
      return c;
    case 'process-ready':
      for (const n of rest) c.processReady(n);
      return c;
    case 'deliver-msgs':
      for (const n of rest) c.deliver(n);
      return c;
    case 'drop-msgs': {
      const dropped = c.drop(
        (m) => (!kv.has('to') || m.to === kv.get('to')) && (!kv.has('type') || m.type === kv.get('type')),
      );
      for (const m of dropped) out.push(`  dropped: ${formatMessage(m)}`);
      return c;
    }
    case 'stabilize':
      c.stabilize(rest.length > 0 ? rest : undefined);
      return c;
    case 'tick':
      c.tick(id, Number(rest[1] ?? 1));
      return c;
    case 'tick-heartbeat':
      c.tick(id, c.node(id).raw.raft.config.heartbeatIntervalTicks);
      return c;
    case 'tick-election':
      c.tickElection(id);
      return c;
    case 'partition':
      c.partition(
        args
          .join(' ')
          .split('|')
          .map((g) => g.trim().split(/\s+/).filter(Boolean)),
      );
      return c;
    case 'heal':
      c.heal();
      return c;
    case 'compact': {
      const n = c.node(id);
      const index = Number(rest[1]);
      const data = enc.encode(c.appliedData(id).join(','));
      n.storage.createSnapshot(index, n.confState, data);
      n.storage.compact(index);
      out.push(
        `  snapshot ${n.storage.snapshot().meta.term}/${index} (${data.length} bytes); first index ${n.storage.firstIndex()}`,
      );
      return c;
    }
    case 'restart':
      c.restart(id);
      return c;
    case 'raft-log': {
      const raft = c.node(id).raw.raft;
      const ents =
        raft.log.slice(raft.log.firstIndex(), raft.log.lastIndex() + 1, Number.MAX_SAFE_INTEGER) ?? [];
      const snap = c.node(id).storage.snapshot().meta;
      if (snap.index > 0) out.push(`  snapshot ${snap.term}/${snap.index}`);
      out.push(ents.length > 0 ? `  ${formatEntries(ents)}` : '  log is empty');
      return c;
    }
    case 'raft-state':
      for (const n of c.nodes.values()) {
        const s = n.raw.status();
        out.push(
          `  ${s.id}: ${s.role} Term:${s.term} Lead:${s.leader || '-'} Commit:${s.commit} Applied:${s.applied}`,
        );
      }
      return c;
    case 'status': {
      const s = c.node(id).raw.status();
      out.push(
        `  ${s.id}: ${s.role} Term:${s.term} Vote:${s.vote || '-'} Lead:${s.leader || '-'} Commit:${s.commit}`,
      );
      out.push(`  voters=${s.confState.voters.join(',')} learners=${s.confState.learners.join(',') || '-'}`);
      for (const [pid, p] of Object.entries(s.progress ?? {}))
        out.push(`  ${pid}: ${p.state} match=${p.match} next=${p.next}`);
      return c;
    }
    case 'read-states': {
      const n = c.node(id);
      for (const r of n.readStates)
        out.push(`  Index:${r.index} Ctx:${new TextDecoder().decode(r.requestCtx)}`);
      if (n.readStates.length === 0) out.push('  none');
      n.readStates = [];
      return c;
    }
    case 'applied':
      if (c.node(id).snapshotData)
        out.push(
          `  restored from snapshot: ${JSON.stringify(new TextDecoder().decode(c.node(id).snapshotData))}`,
        );
      out.push(`  ${JSON.stringify(c.appliedData(id))} (applied index ${c.node(id).appliedIndex})`);
      return c;
    case 'queue':
      for (const m of c.queue) out.push(`  ${formatMessage(m)}`);
      if (c.queue.length === 0) out.push('  empty');
      return c;
    default:
      throw new Error(`unknown command ${cmd}`);
  }
}
