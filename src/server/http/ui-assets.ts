/**
 * The web UI's files, read once into memory: every file under the built UI directory (`dist/ui`,
 * written by `npm run build` from `ui/`) keyed by its relative path, with its content type, a
 * strong ETag (SHA-256 of the bytes) and a gzip copy made on first demand. Requests are answered
 * from this map only, by exact key: no request path ever reaches the filesystem, so there is
 * nothing to traverse.
 *
 * Why in memory: the UI is small (tens of kB), served to operators, and must keep working on a node
 * whose disk is slow or full; reading it once also fixes the ETags for the life of the process.
 * Why gzip on demand (in the thread pool, once per file): compressing every file at level 9 when
 * the server starts cost ~20 ms of the main thread before the first request (issue 16: startup),
 * for files an API-only client never asks for.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One servable file. */
export interface UiAsset {
  body: Buffer;
  contentType: string;
  /** Strong validator, quoted (`"sha256-…"`). */
  etag: string;
  /**
   * `body` gzipped (level 9) when that is smaller, else undefined. Compressed on the first call,
   * off the main thread, and kept; never rejects (a failed compression serves the plain body).
   */
  gzip(): Promise<Buffer | undefined>;
}

/** The UI's files by relative POSIX path (`index.html`, `pages/kv.js`). Empty → UI not built. */
export type UiAssets = ReadonlyMap<string, UiAsset>;

/** Content types by extension; files with any other extension are not served. */
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

/** `dist/ui`, seen from this compiled file (`dist/src/server/http/ui-assets.js`). */
export const defaultUiDirectory = fileURLToPath(new URL('../../../ui/', import.meta.url));

/**
 * Reads every servable file under `directory` (recursively). A missing directory gives an empty
 * map (the server then answers that the UI is not built, as Vault does for a binary without it).
 */
export function loadUiAssets(directory = defaultUiDirectory): UiAssets {
  const assets = new Map<string, UiAsset>();
  if (!existsSync(directory)) return assets;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const contentType = contentTypes[extname(name)];
      if (contentType === undefined) continue;
      const body = readFileSync(path);
      const etag = `"sha256-${createHash('sha256').update(body).digest('base64url')}"`;
      const key = relative(directory, path).split(sep).join('/');
      assets.set(key, { body, contentType, etag, gzip: lazyGzip(body) });
    }
  };
  walk(directory);
  return assets;
}

/** The memoised `gzip()` of one asset (see `UiAsset.gzip`). */
function lazyGzip(body: Buffer): () => Promise<Buffer | undefined> {
  let zipped: Promise<Buffer | undefined> | undefined;
  return () => (zipped ??= gzipSmaller(body));
}

async function gzipSmaller(body: Buffer): Promise<Buffer | undefined> {
  try {
    const { gzip } = await import('node:zlib');
    const zipped = await new Promise<Buffer>((resolve, reject) =>
      gzip(body, { level: 9 }, (err, out) => (err ? reject(err) : resolve(out))),
    );
    return zipped.length < body.length ? zipped : undefined;
  } catch {
    return undefined;
  }
}
