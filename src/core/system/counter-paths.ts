/**
 * sys/internal/counters/tokens (Vault's API: the number of service tokens, no sudo needed):
 * `{"counters":{"service_tokens":{"total":N}}}`. Every token here is a service token (batch
 * tokens are not supported), so N is the number of stored tokens.
 */
import type { PathSpec } from '../../logical/backend.js';
import type { SystemContext } from './context.js';

/** The `internal/counters/tokens` path of sys/. */
export function counterPaths(ctx: SystemContext): PathSpec[] {
  return [
    {
      pattern: 'internal/counters/tokens',
      operations: {
        read: async () => ({
          data: { counters: { service_tokens: { total: await ctx.serviceTokenCount() } } },
        }),
      },
    },
  ];
}
