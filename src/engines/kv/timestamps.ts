/**
 * Time as KV shows it: Go's RFC3339Nano (`2026-01-01T10:00:00.123Z`, trailing fractional zeros
 * trimmed, no fraction at all on a whole second), from wall-clock milliseconds.
 */
import { formatRfc3339Nano } from '../../lib/go-time.js';

export { formatRfc3339Nano };

/** Formats an optional timestamp: '' when absent, as Vault's ptypesTimestampToString. */
export function formatOptionalTime(wallMs: number | undefined): string {
  return wallMs === undefined ? '' : formatRfc3339Nano(wallMs);
}
