/**
 * Flow control for one follower (etcd tracker/inflights.go): the MsgApps sent but not yet
 * acknowledged, as (last index, bytes) pairs in send order. Full when either the message count or
 * the byte total reaches its bound, which caps the bandwidth-delay product per follower.
 */
import { assert } from '../lib/assert.js';

/** A bounded FIFO of in-flight appends. */
export class Inflights {
  private readonly indexes: number[] = [];
  private readonly sizes: number[] = [];
  private start = 0;
  private totalBytes = 0;

  constructor(
    readonly maxMessages: number,
    readonly maxBytes: number,
  ) {}

  /** Number of messages in flight. */
  get count(): number {
    return this.indexes.length - this.start;
  }

  /** Bytes in flight. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Records a sent MsgApp whose last entry is `index`; indexes must increase. */
  add(index: number, bytes: number): void {
    assert(!this.full(), 'inflights: add while full');
    const last = this.indexes[this.indexes.length - 1];
    assert(this.count === 0 || last === undefined || index > last, 'inflights: indexes must increase');
    this.indexes.push(index);
    this.sizes.push(bytes);
    this.totalBytes += bytes;
  }

  /** Frees every in-flight message whose last index is ≤ `index` (they were acknowledged). */
  freeLE(index: number): void {
    while (this.start < this.indexes.length && this.indexes[this.start] <= index) {
      this.totalBytes -= this.sizes[this.start];
      this.start++;
    }
    if (this.start > 64 && this.start * 2 > this.indexes.length) {
      this.indexes.splice(0, this.start);
      this.sizes.splice(0, this.start);
      this.start = 0;
    }
  }

  /** True when no more messages may be sent. */
  full(): boolean {
    return this.count >= this.maxMessages || (this.maxBytes > 0 && this.totalBytes >= this.maxBytes);
  }

  /** Forgets everything (on a state change of the follower's progress). */
  reset(): void {
    this.indexes.length = 0;
    this.sizes.length = 0;
    this.start = 0;
    this.totalBytes = 0;
  }
}
