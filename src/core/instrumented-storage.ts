/**
 * Timing decorators for the storage stack, used only when core is given an `ArcaMetrics`:
 * `InstrumentedBarrier` observes `arca_barrier_operation_duration_seconds` (encrypt/decrypt +
 * storage, by operation) and `InstrumentedPhysical` observes `arca_storage_operation_duration_seconds`
 * (below the barrier, by backend and operation). Failed operations are timed too.
 */
import { HistogramChild } from '../lib/histogram-child.js';
import type { ArcaMetrics } from '../lib/metrics.js';
import { Barrier } from '../storage/barrier/barrier.js';
import type { PhysicalBackend, PhysicalOp } from '../storage/physical/physical.js';
import type { Clock } from '../lib/clock.js';

/**
 * Times `work` into one histogram series. One clock read at each end, no timer closure chain
 * (prom-client's startTimer allocates an hrtime pair and merges label objects on every call) and
 * no label hashing (a `HistogramChild` resolves its series once).
 */
function timed<T>(series: HistogramChild, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const observe = (): void => series.observe((performance.now() - started) / 1000);
  let pending: Promise<T>;
  try {
    pending = work();
  } catch (err) {
    observe();
    // Rethrown as the rejection it was before (an async wrapper would do the same), whatever it is.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(err);
  }
  return pending.then(
    (value) => {
      observe();
      return value;
    },
    (err: unknown) => {
      observe();
      throw err;
    },
  );
}

/** A barrier that times its storage operations. */
export class InstrumentedBarrier extends Barrier {
  constructor(
    physical: PhysicalBackend,
    clock: Clock,
    metrics: ArcaMetrics,
    options: ConstructorParameters<typeof Barrier>[2] = {},
  ) {
    super(physical, clock, options);
    const series = (operation: string) => new HistogramChild(metrics.barrierOperations, { operation });
    this.series = {
      get: series('get'),
      put: series('put'),
      delete: series('delete'),
      list: series('list'),
      batch: series('batch'),
    };
  }

  /** One series per operation. */
  private readonly series: Record<'get' | 'put' | 'delete' | 'list' | 'batch', HistogramChild>;

  override get(key: string): Promise<Uint8Array | undefined> {
    return timed(this.series.get, () => super.get(key));
  }

  /** A cache hit is a barrier `get` too: observed in the same series (a miss is not: `get` follows). */
  override peekDecoded<T>(key: string, decode: (plaintext: Uint8Array) => T): T | null | undefined {
    const started = performance.now();
    let value: T | null | undefined;
    try {
      value = super.peekDecoded(key, decode);
    } catch (err) {
      this.series.get.observe((performance.now() - started) / 1000);
      throw err;
    }
    if (value !== undefined) this.series.get.observe((performance.now() - started) / 1000);
    return value;
  }

  override put(key: string, value: Uint8Array): Promise<void> {
    return timed(this.series.put, () => super.put(key, value));
  }

  override delete(key: string): Promise<void> {
    return timed(this.series.delete, () => super.delete(key));
  }

  override list(prefix: string): Promise<string[]> {
    return timed(this.series.list, () => super.list(prefix));
  }

  override batch(ops: PhysicalOp[]): Promise<void> {
    return timed(this.series.batch, () => super.batch(ops));
  }
}

/** A physical backend that times every operation (labelled with the backend name). */
export class InstrumentedPhysical implements PhysicalBackend {
  constructor(
    private readonly inner: PhysicalBackend,
    private readonly backend: string,
    private readonly metrics: ArcaMetrics,
  ) {}

  /** One series per operation (see `timed`). */
  private readonly series = new Map<string, HistogramChild>();

  private time<T>(operation: string, work: () => Promise<T>): Promise<T> {
    let series = this.series.get(operation);
    if (series === undefined) {
      series = new HistogramChild(this.metrics.storageOperations, { backend: this.backend, operation });
      this.series.set(operation, series);
    }
    return timed(series, work);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.time('get', () => this.inner.get(key));
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.time('put', () => this.inner.put(key, value));
  }

  delete(key: string): Promise<void> {
    return this.time('delete', () => this.inner.delete(key));
  }

  list(prefix: string): Promise<string[]> {
    return this.time('list', () => this.inner.list(prefix));
  }

  batch(ops: PhysicalOp[]): Promise<void> {
    return this.time('batch', () => this.inner.batch(ops));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
