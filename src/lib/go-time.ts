/**
 * Time as Vault's JSON shows a Go `time.Time`: RFC3339Nano (`2026-01-01T10:00:00.123Z`, trailing
 * fractional zeros trimmed, no fraction at all on a whole second), from wall-clock milliseconds.
 * Shared by KV metadata and lease lookups.
 */

/** Formats wall-clock milliseconds like Go's time.Format(time.RFC3339Nano) in UTC. */
export function formatRfc3339Nano(wallMs: number): string {
  const iso = new Date(Math.floor(wallMs)).toISOString();
  // Fast path for years 0000–9999 (`YYYY-MM-DDTHH:MM:SS.mmmZ`): trim the millisecond zeros by hand.
  if (iso.length === 24) {
    let end = 23;
    while (end > 20 && iso.charCodeAt(end - 1) === 48) end--;
    return end === 20 ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, end)}Z`;
  }
  return iso.replace(/\.(\d*?)0*Z$/, (_match, digits: string) => (digits === '' ? 'Z' : `.${digits}Z`));
}
