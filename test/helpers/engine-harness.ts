/**
 * Drives an engine the way core does (resolveOperation, then dispatch) over a Map-backed storage
 * view, so engine tests exercise the real dispatch layer, field coercion and existence checks.
 */
import { dispatch, resolveOperation, type DispatchRequest } from '../../src/logical/dispatch.js';
import type { Backend, BackendFactory } from '../../src/logical/backend.js';
import type { Operation, RequestAuth } from '../../src/logical/request.js';
import type { LogicalResponse } from '../../src/logical/response.js';
import { FakeClock } from '../../src/lib/clock.js';
import { SeededRng } from '../../src/lib/rng.js';
import { MemoryStorageView } from './memory-storage-view.js';

export interface CallOptions {
  data?: Record<string, unknown>;
  contentType?: string;
  auth?: RequestAuth;
}

export class EngineHarness {
  readonly storage = new MemoryStorageView();
  readonly clock = new FakeClock(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  backend!: Backend;
  private nextId = 0;
  /** The operation resolveOperation chose for the last POST/PUT (create or update). */
  lastResolved: Operation | undefined;

  static async mount(factory: BackendFactory, options: Record<string, string> = {}): Promise<EngineHarness> {
    const harness = new EngineHarness();
    harness.backend = await factory({
      mountPoint: 'secret/',
      options,
      storage: harness.storage,
      clock: harness.clock,
      rng: new SeededRng(1),
    });
    return harness;
  }

  /** One request: `write` means POST/PUT (resolved to create or update by the existence check). */
  async call(
    operation: Operation | 'write',
    path: string,
    options: CallOptions = {},
  ): Promise<LogicalResponse> {
    const request: DispatchRequest = {
      requestId: `req-${++this.nextId}`,
      operation: operation === 'write' ? 'update' : operation,
      path,
      data: options.data ?? {},
      storage: this.storage,
      auth: options.auth,
      mountPoint: 'secret/',
      contentType: options.contentType,
    };
    if (operation === 'write') {
      request.operation = await resolveOperation(this.backend, request);
      this.lastResolved = request.operation;
    }
    return dispatch(this.backend, request);
  }
}
