/**
 * The dependency arrows of docs/architecture.md, enforced. `npm run lint` fails on any import
 * that points the wrong way, so engines cannot bypass core, raft stays pure and the CLI talks HTTP.
 */
const layer = (name) => `^src/${name}/`;
/** from → the only src layers it may import (itself and lib are always allowed). */
const allowed = {
  lib: [],
  raft: [],
  logical: [],
  engines: ['logical'],
  storage: ['raft'],
  core: ['logical', 'storage'],
  api: [],
  cli: ['api', 'server'],
  server: ['core', 'logical', 'storage', 'raft', 'engines', 'api'],
};
const forbidden = Object.entries(allowed).map(([from, ok]) => ({
  name: `${from}-imports-only-${['lib', from, ...ok].join('-')}`,
  severity: 'error',
  from: { path: layer(from) },
  to: { path: '^src/', pathNot: ['lib', from, ...ok].map(layer) },
}));
forbidden.push(
  { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  {
    name: 'raft-is-pure',
    comment:
      'raft may not touch fs, net, timers or crypto: time and randomness are injected (only the async driver, node.ts and its real timers in node-timers.ts, may)',
    severity: 'error',
    from: { path: layer('raft'), pathNot: ['^src/raft/node\\.ts$', '^src/raft/node-timers\\.ts$'] },
    to: { dependencyTypes: ['core'], path: '^(fs|net|dgram|crypto|timers|child_process|http|https)$' },
  },
  {
    name: 'chaos-talks-like-a-user',
    comment:
      'the chaos harness reaches Arca only through the HTTP client (src/api) and src/lib, like an operator',
    severity: 'error',
    from: { path: '^chaos/' },
    to: { path: '^src/', pathNot: ['^src/api/', '^src/lib/'] },
  },
  {
    name: 'ui-is-browser-only',
    comment:
      'the web UI (ui/) runs in the browser: it imports only its own files (no Node built-ins, no server code, no packages); it reaches Arca over HTTP',
    severity: 'error',
    from: { path: '^ui/' },
    to: { pathNot: '^ui/' },
  },
  {
    name: 'server-never-imports-ui',
    comment: 'the server serves the built UI files; it never imports browser code',
    severity: 'error',
    from: { path: '^(src|chaos)/' },
    to: { path: '^ui/' },
  },
  {
    name: 'src-never-imports-tests',
    severity: 'error',
    from: { path: '^src/' },
    to: { path: '^(test|chaos|bench)/' },
  },
);
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
