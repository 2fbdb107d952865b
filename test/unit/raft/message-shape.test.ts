import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MessageShapeError, parseWireMessage } from '../../../src/raft/message-shape.js';
import type { Message } from '../../../src/raft/types.js';

function append(): Message {
  return {
    type: 'MsgApp',
    from: 'b',
    to: 'a',
    term: 2,
    logTerm: 2,
    index: 10,
    entries: [{ term: 2, index: 11, type: 0, data: new Uint8Array([1, 2, 3]) }],
    commit: 10,
    reject: false,
    rejectHint: 0,
  };
}

function snap(): Message {
  return {
    ...append(),
    type: 'MsgSnap',
    entries: [],
    snapshot: {
      meta: { index: 9, term: 2, confState: { voters: ['a', 'b', 'c'], learners: [] } },
      transferId: 3,
      offset: 4,
      totalBytes: 8,
      data: new Uint8Array([5, 6, 7, 8]),
      done: true,
    },
  };
}

const rejectsAt = (value: unknown, field: string): void =>
  assert.throws(
    () => parseWireMessage(value),
    (err: unknown) => err instanceof MessageShapeError && err.field === field,
  );

test('parseWireMessage: well-formed messages pass unchanged; extra fields are dropped', () => {
  assert.deepEqual(parseWireMessage(append()), append());
  assert.deepEqual(parseWireMessage(snap()), snap());
  const withContext = { ...append(), context: new Uint8Array([9]) };
  assert.deepEqual(parseWireMessage(withContext), withContext);
  assert.deepEqual(parseWireMessage({ ...append(), context: null, injected: { __proto__: 1 } }), append());
});

test('parseWireMessage: every field is checked for type and range', () => {
  const m = append();
  rejectsAt(null, 'message');
  rejectsAt([m], 'message');
  rejectsAt({ ...m, type: 'MsgNope' }, 'type');
  rejectsAt({ ...m, type: 'MsgHup' }, 'type');
  rejectsAt({ ...m, type: 'MsgBeat' }, 'type');
  rejectsAt({ ...m, from: 7 }, 'from');
  rejectsAt({ ...m, from: '' }, 'from');
  rejectsAt({ ...m, to: undefined }, 'to');
  rejectsAt({ ...m, term: -1 }, 'term');
  rejectsAt({ ...m, term: 1.5 }, 'term');
  rejectsAt({ ...m, logTerm: '2' }, 'logTerm');
  rejectsAt({ ...m, index: Number.MAX_SAFE_INTEGER + 2 }, 'index');
  rejectsAt({ ...m, commit: undefined }, 'commit');
  rejectsAt({ ...m, reject: 0 }, 'reject');
  rejectsAt({ ...m, rejectHint: NaN }, 'rejectHint');
  rejectsAt({ ...m, entries: 'x' }, 'entries');
  rejectsAt({ ...m, entries: [null] }, 'entries');
  rejectsAt({ ...m, entries: [{ ...m.entries[0], type: 2 }] }, 'entries.type');
  rejectsAt({ ...m, entries: [{ ...m.entries[0], data: [1, 2] }] }, 'data');
  rejectsAt({ ...m, context: 'ctx' }, 'context');
  const s = snap();
  rejectsAt({ ...s, snapshot: { ...s.snapshot, data: 'x' } }, 'data');
  rejectsAt({ ...s, snapshot: { ...s.snapshot, offset: 5 } }, 'snapshot.offset');
  rejectsAt({ ...s, snapshot: { ...s.snapshot, done: 'yes' } }, 'done');
  rejectsAt({ ...s, snapshot: { ...s.snapshot, transferId: undefined } }, 'transferId');
  rejectsAt(
    { ...s, snapshot: { ...s.snapshot, meta: { ...s.snapshot!.meta, confState: { voters: [1] } } } },
    'voters',
  );
});

test('parseWireMessage: arbitrary junk is refused with MessageShapeError, never another error', () => {
  fc.assert(
    fc.property(fc.anything({ withTypedArray: true, withNullPrototype: true }), (value) => {
      try {
        parseWireMessage(value);
      } catch (err) {
        assert.ok(err instanceof MessageShapeError, String(err));
      }
    }),
  );
  // Any single field of a valid message replaced by junk is either refused or still well-typed.
  const keys = Object.keys(append());
  fc.assert(
    fc.property(fc.constantFrom(...keys), fc.anything(), (key, junk) => {
      let parsed: Message;
      try {
        parsed = parseWireMessage({ ...append(), [key]: junk });
      } catch (err) {
        assert.ok(err instanceof MessageShapeError);
        return;
      }
      assert.equal(typeof parsed.term, 'number');
      assert.ok(Array.isArray(parsed.entries));
    }),
  );
});
