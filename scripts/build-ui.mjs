// Builds the web UI into dist/ui: compiles ui/src (TypeScript for the browser, ui/tsconfig.json)
// and copies the static files (ui/static: index.html, style.css). Run by `npm run build`.
// The server serves dist/ui at /ui/ when `ui = true` (src/server/http/ui-routes.ts).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
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

// index.html names every module with <link rel="modulepreload"> so the browser fetches them all in
// parallel instead of discovering the import graph level by level.
const modules = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.js') && name !== 'main.js')
      modules.push(relative(out, path).split(sep).join('/'));
  }
};
walk(out);
const index = join(out, 'index.html');
const marker = '<!-- modulepreload -->';
const html = readFileSync(index, 'utf8');
if (!html.includes(marker)) throw new Error(`ui/static/index.html lacks the ${marker} marker`);
const links = modules.map((m) => `<link rel="modulepreload" href="/ui/${m}" />`).join('\n    ');
writeFileSync(index, html.replace(marker, links));
