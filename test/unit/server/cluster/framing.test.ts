import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameDecoder, FrameError, encodeFrame } from '../../../../src/server/cluster/framing.js';

test('frames round-trip in order however the byte stream is split', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ seq: fc.nat(), text: fc.string(), data: fc.uint8Array({ maxLength: 300 }) }), {
        minLength: 1,
        maxLength: 20,
      }),
      fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }),
      (values, cuts) => {
        const stream = Buffer.concat(values.map((v) => encodeFrame(v)));
        const decoder = new FrameDecoder(1024 * 1024);
        const out: unknown[] = [];
        let offset = 0;
        let i = 0;
        while (offset < stream.length) {
          const size = cuts[i++ % cuts.length];
          out.push(...decoder.push(stream.subarray(offset, offset + size)));
          offset += size;
        }
        assert.equal(out.length, values.length);
        out.forEach((got, k) => {
          const want = values[k];
          const g = got as { seq: number; text: string; data: Uint8Array };
          assert.equal(g.seq, want.seq);
          assert.equal(g.text, want.text);
          assert.deepEqual(Buffer.from(g.data), Buffer.from(want.data));
        });
        assert.equal(decoder.pendingBytes, 0);
      },
    ),
    { numRuns: 200 },
  );
});

test('an oversized frame is refused from its length prefix alone, before any body is buffered', () => {
  const decoder = new FrameDecoder(1000);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(1001, 0);
  assert.throws(
    () => decoder.push(header),
    (err: unknown) => err instanceof FrameError && err.reason === 'frame_too_large',
  );
  const max = new FrameDecoder(1000);
  header.writeUInt32BE(0xffffffff, 0);
  assert.throws(() => max.push(header), FrameError);
});

test('a frame exactly at the limit is accepted', () => {
  const value = Buffer.alloc(995, 7);
  const frame = encodeFrame(value);
  const decoder = new FrameDecoder(frame.length - 4);
  const [got] = decoder.push(frame);
  assert.deepEqual(Buffer.from(got as Uint8Array), value);
});

test('undecodable bodies and empty frames are FrameErrors, never crashes', () => {
  const garbage = Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]); // 0xc1 is never used in msgpack
  assert.throws(
    () => new FrameDecoder(100).push(garbage),
    (err: unknown) => err instanceof FrameError && err.reason === 'frame_undecodable',
  );
  assert.throws(() => new FrameDecoder(100).push(Buffer.from([0, 0, 0, 0])), FrameError);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
      try {
        new FrameDecoder(32).push(bytes);
      } catch (err) {
        assert.ok(err instanceof FrameError, `unexpected ${String(err)}`);
      }
    }),
  );
});

test('decoded binary fields do not alias the received buffer', () => {
  const frame = encodeFrame({ data: Buffer.from('abcdef') });
  const [got] = new FrameDecoder(100).push(frame) as [{ data: Uint8Array }];
  frame.fill(0);
  assert.equal(Buffer.from(got.data).toString(), 'abcdef');
});
