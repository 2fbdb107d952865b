/**
 * Assertions for programmer errors: a broken invariant means the process state cannot be trusted,
 * so we crash loudly instead of returning a typed error. Operating conditions (bad input, a sealed
 * vault, a lost leader) use `ArcaError` from ./errors.ts instead.
 */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

/** Throws an `AssertionError` when `condition` is false. Never use for client input. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Marks a branch the type system proves unreachable; crashes if it is reached anyway. */
export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${JSON.stringify(value)}`);
}
