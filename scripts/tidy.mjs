// Tidy checks that ESLint and dependency-cruiser do not express, run by `npm run lint`.
// Usage: node scripts/tidy.mjs [root]   (root defaults to the current directory)
// Prints one line per violation — `path:line: [rule] message` — and exits 1 if there is any.
//
// Rules:
//   file-too-long       a .ts file under src/ or chaos/ is longer than 400 lines (split it: one file,
//                       one concept). `longFileAllowList` below may name exceptions, each with a reason.
//   raft-impure         src/raft uses setTimeout/setInterval/setImmediate/Date/Math.random/process/
//                       performance: Raft takes time and randomness injected. The async driver's real
//                       timers live in node-timers.ts, the one sanctioned place (as in
//                       .dependency-cruiser.cjs's raft-is-pure rule).
//   unchecked-cast      `JSON.parse(...) as T`, `decode(...) as T`, `unpack(...) as T` (any T but
//                       `unknown`) in src/: bytes from storage or from a peer are untrusted; parse to
//                       `unknown` and validate the shape before use.
//   outside-reference   README.md, docs/, src/ or .dependency-cruiser.cjs mention `../shared`,
//                       `shared/reference` or one of the team's notes outside the repository
//                       (ARCHITECTURE.md, vault-api.md, ...): the repository must stand alone.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

/** Longest allowed source file, in lines. */
export const fileLinesMax = 400;

/** Files allowed to exceed `fileLinesMax`: path → why. Keep it empty; split files instead. */
const longFileAllowList = new Map([]);

/** Files in src/raft allowed to touch real time (see .dependency-cruiser.cjs raft-is-pure). */
const raftTimeFiles = new Set(['src/raft/node-timers.ts']);

const raftForbiddenGlobals = new Set([
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'Date',
  'process',
  'performance',
]);

/** Pointers out of the repository: the team's shared folder and its reference notes by name. */
const outsideReference =
  /\.\.\/shared|shared\/reference|\bARCHITECTURE\.md|\b(?:vault-api|noise-transport|model-codebases)\.md|\braft-and-chaos\b/;

/** Call names whose result is untrusted data that must be validated, not cast. */
const parseCallNames = /^(decode\w*|unpack\w*)$/;

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

const posix = (root, path) => relative(root, path).split(sep).join('/');

function lineOf(source, node) {
  return source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
}

function calleeName(call) {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) {
    if (ts.isIdentifier(callee.expression) && callee.expression.text === 'JSON')
      return `JSON.${callee.name.text}`;
    return callee.name.text;
  }
  return undefined;
}

function stripParens(node) {
  while (ts.isParenthesizedExpression(node)) node = node.expression;
  return node;
}

/** True for an identifier that reads a global (not a property name, not a declaration). */
function isGlobalRead(node) {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isPropertyAssignment(parent) && parent.name === node) return false;
  if (ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertySignature(parent))
    return parent.name !== node;
  if (ts.isQualifiedName(parent)) return false;
  return true;
}

function checkAst(file, rel, violations) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const inRaft = rel.startsWith('src/raft/') && !raftTimeFiles.has(rel);
  const visit = (node) => {
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) {
      const inner = stripParens(node.expression);
      const isUnknown = node.type.kind === ts.SyntaxKind.UnknownKeyword;
      if (!isUnknown && ts.isCallExpression(inner)) {
        const name = calleeName(inner);
        if (name !== undefined && (name === 'JSON.parse' || parseCallNames.test(name)))
          violations.push({
            file: rel,
            line: lineOf(source, node),
            rule: 'unchecked-cast',
            message: `\`${name}(...) as ${node.type.getText(source)}\`: parse to unknown and validate the shape`,
          });
      }
    }
    if (inRaft) {
      if (ts.isIdentifier(node) && raftForbiddenGlobals.has(node.text) && isGlobalRead(node))
        violations.push({
          file: rel,
          line: lineOf(source, node),
          rule: 'raft-impure',
          message: `\`${node.text}\` in src/raft: inject time through the Timers/clock ports`,
        });
      if (
        ts.isPropertyAccessExpression(node) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === 'Math' &&
        node.name.text === 'random'
      )
        violations.push({
          file: rel,
          line: lineOf(source, node),
          rule: 'raft-impure',
          message: '`Math.random` in src/raft: inject randomness',
        });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return text;
}

/** Runs every rule over the tree at `root`; returns the violations, sorted by file and line. */
export function tidy(root) {
  const violations = [];
  for (const top of ['src', 'chaos']) {
    for (const file of walk(join(root, top), [])) {
      if (!file.endsWith('.ts')) continue;
      const rel = posix(root, file);
      const text = checkAst(file, rel, violations);
      const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      if (lines > fileLinesMax && !longFileAllowList.has(rel))
        violations.push({
          file: rel,
          line: fileLinesMax + 1,
          rule: 'file-too-long',
          message: `${lines} lines (max ${fileLinesMax}): split it`,
        });
    }
  }
  const docs = [
    join(root, 'README.md'),
    join(root, '.dependency-cruiser.cjs'),
    ...walk(join(root, 'docs'), []),
    ...walk(join(root, 'src'), []),
  ];
  for (const file of docs) {
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      const match = outsideReference.exec(line);
      if (match)
        violations.push({
          file: posix(root, file),
          line: i + 1,
          rule: 'outside-reference',
          message: `mentions \`${match[0]}\`: the repository must stand alone (link inside it)`,
        });
    });
  }
  return violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = process.argv[2] ?? process.cwd();
  const violations = tidy(root);
  for (const v of violations) console.error(`${v.file}:${v.line}: [${v.rule}] ${v.message}`);
  if (violations.length > 0) {
    console.error(`tidy: ${violations.length} violation(s)`);
    process.exit(1);
  }
  console.log('tidy: ok');
}
