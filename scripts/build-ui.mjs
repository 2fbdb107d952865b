// Builds the web UI into dist/ui: compiles ui/src (TypeScript for the browser, ui/tsconfig.json)
// and copies the static files (ui/static: index.html, style.css). Run by `npm run build`.
// The server serves dist/ui at /ui/ when `ui = true` (src/server/http/ui-routes.ts).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'ui', 'tsconfig.json')], { stdio: 'inherit' });
} catch {
  process.exit(1); // tsc printed the errors
}
const out = join(root, 'dist', 'ui');
mkdirSync(out, { recursive: true });
for (const name of readdirSync(join(root, 'ui', 'static')))
  copyFileSync(join(root, 'ui', 'static', name), join(out, name));
