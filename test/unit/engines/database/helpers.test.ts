/**
 * The engine's pure pieces (no database): statement splitting and templating as Vault's plugin
 * does it, secret redaction in errors and reads, generated usernames and passwords.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  generatePassword,
  generateUsername,
  passwordForStatement,
} from '../../../../src/engines/database/credentials.js';
import { globListContains } from '../../../../src/engines/database/context.js';
import { databaseError, maskConnectionUrl, redact } from '../../../../src/engines/database/sanitize.js';
import {
  expandStatements,
  formatExpiration,
  parseStatementList,
} from '../../../../src/engines/database/statements.js';
import { SeededRng } from '../../../../src/lib/rng.js';

describe('database statements', () => {
  it('splits on ; unless the statement is a multi-line body, trims, drops empties, fills placeholders', () => {
    const queries = expandStatements(
      [
        'CREATE ROLE "{{name}}" PASSWORD \'{{password}}\'; GRANT x TO "{{name}}";  ;',
        'DO $$ BEGIN PERFORM 1; END $$;',
        'SELECT {{unknown}}',
      ],
      { name: 'u1', password: 'p1' },
    );
    assert.deepEqual(queries, [
      'CREATE ROLE "u1" PASSWORD \'p1\'',
      'GRANT x TO "u1"',
      'DO $$ BEGIN PERFORM 1; END $$;',
      'SELECT {{unknown}}',
    ]);
  });

  it("formats expirations as Vault's 2006-01-02 15:04:05-0700 in UTC", () => {
    assert.equal(formatExpiration(Date.UTC(2026, 11, 6, 9, 8, 7, 654)), '2026-12-06 09:08:07+0000');
  });

  it('accepts a list, a JSON-array string or one string (kept whole), and rejects other types', () => {
    assert.deepEqual(parseStatementList(['a', 'b']), ['a', 'b']);
    assert.deepEqual(parseStatementList('["a;b","c"]'), ['a;b', 'c']);
    assert.deepEqual(parseStatementList('GRANT SELECT, INSERT ON t TO "{{name}}"'), [
      'GRANT SELECT, INSERT ON t TO "{{name}}"',
    ]);
    assert.deepEqual(parseStatementList(''), []);
    assert.equal(parseStatementList(5), undefined);
    assert.equal(parseStatementList([1]), undefined);
  });
});

describe('database secrets redaction', () => {
  it('removes passwords (raw and URL-encoded) and URL userinfo passwords from error text', () => {
    const text = 'connect postgresql://admin:s3cr%2Ft@h:5432/db failed; also s3cr/t and postgres://u:other@x';
    const out = redact(text, ['s3cr/t']);
    assert.ok(!out.includes('s3cr'), out);
    assert.ok(!out.includes('other'), out);
    assert.match(out, /postgresql:\/\/admin:\[password\]@h:5432/);
    const err = databaseError('unable to get connection', new Error('bad s3cr/t'), ['s3cr/t']);
    assert.equal(err.message, 'unable to get connection: bad [password]');
    assert.equal(err.httpStatus, 500);
  });

  it('masks a literal URL password for reads and leaves a template alone', () => {
    assert.equal(maskConnectionUrl('postgresql://a:pw@h/db'), 'postgresql://a:*****@h/db');
    assert.equal(
      maskConnectionUrl('postgresql://{{username}}:{{password}}@h/db'),
      'postgresql://{{username}}:{{password}}@h/db',
    );
    assert.equal(maskConnectionUrl('postgresql://h/db'), 'postgresql://h/db');
  });
});

describe('database generated credentials', () => {
  it("usernames follow Vault's template, keep to 63 characters and drop unsafe characters", () => {
    const rng = new SeededRng(3);
    const wallMs = Date.UTC(2026, 0, 1);
    const name = generateUsername('token', 'readonly', rng, wallMs);
    assert.match(name, /^v-token-readonly-[A-Za-z0-9]{20}-1767225600$/);
    const long = generateUsername('a"very long display', 'role-with-a-long-name', rng, wallMs);
    assert.match(long, /^v-a_very_l-role-wit-[A-Za-z0-9]{20}-1767225600$/);
    assert.ok(generateUsername('x'.repeat(100), 'y'.repeat(100), rng, 9e15).length <= 63);
    assert.notEqual(generateUsername('t', 'r', rng, wallMs), generateUsername('t', 'r', rng, wallMs));
  });

  it('passwords are A1a- + 16 base62 characters and differ each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      assert.match(p, /^A1a-[A-Za-z0-9]{16}$/);
      seen.add(p);
    }
    assert.equal(seen.size, 200);
    assert.equal(passwordForStatement('pw', 'password'), 'pw');
    assert.match(
      passwordForStatement('pw', 'scram-sha-256'),
      /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/,
    );
  });

  it('allowed_roles globs: * matches any run, other characters literally', () => {
    assert.ok(globListContains(['*'], 'anything'));
    assert.ok(globListContains(['dev-*', 'ops'], 'dev-app'));
    assert.ok(!globListContains(['dev-*', 'ops'], 'ops2'));
    assert.ok(!globListContains(['a.b'], 'axb'));
    assert.ok(!globListContains([], 'x'));
  });
});
