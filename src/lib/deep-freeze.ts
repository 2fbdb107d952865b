/**
 * Deep-freezes a decoded JSON value in place and returns it. Used for values shared between
 * requests (the barrier read cache's decoded entries): a frozen value cannot be changed by one
 * reader under another — an accidental write throws a TypeError (ESM is strict mode) instead of
 * corrupting what the next request sees. Iterative, so a deeply nested secret cannot overflow the
 * stack.
 */
export function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== 'object' || node === null || Object.isFrozen(node)) continue;
    Object.freeze(node);
    for (const key of Object.keys(node)) pending.push((node as Record<string, unknown>)[key]);
  }
  return value;
}
