/**
 * Real GnuPG for the PGP ceremony tests: a throw-away GNUPGHOME, keys made with
 * `gpg --batch --passphrase '' --quick-gen-key`, binary public keys exported as Vault takes them
 * (base64), and `gpg --decrypt` of what Arca returns. `close()` stops the agent gpg started and
 * removes the directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One key made by gpg. */
export interface GpgKey {
  uid: string;
  /** Lowercase hex fingerprint of the primary key. */
  fingerprint: string;
  /** base64 of the binary (unarmored) public key. */
  publicKeyBase64: string;
}

const gpgBin = '/usr/bin/gpg';

export class GpgHome {
  readonly dir = mkdtempSync(join(tmpdir(), 'arca-gpg-'));

  private run(args: string[], input?: Buffer): Buffer {
    return execFileSync(gpgBin, ['--homedir', this.dir, '--batch', '--no-tty', '--quiet', ...args], {
      input,
      env: { ...process.env, GNUPGHOME: this.dir },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  }

  /**
   * A new key pair (primary + encryption subkey, no passphrase): `rsa` is gpg's default
   * (rsa3072, a few seconds), `ecc` its `future-default` (ed25519 + cv25519, fast).
   */
  generate(uid: string, algo: 'rsa' | 'ecc' = 'ecc'): GpgKey {
    const spec = algo === 'rsa' ? 'default' : 'future-default';
    this.run(['--passphrase', '', '--quick-gen-key', uid, spec, 'default', 'never']);
    const listing = this.run(['--with-colons', '--fingerprint', uid]).toString('utf8');
    const fpr = listing.split('\n').find((line) => line.startsWith('fpr:'));
    if (fpr === undefined) throw new Error(`gpg listed no fingerprint for ${uid}`);
    const fingerprint = fpr.split(':')[9].toLowerCase();
    const publicKey = this.run(['--export', fingerprint]);
    return { uid, fingerprint, publicKeyBase64: publicKey.toString('base64') };
  }

  /** `base64 -d | gpg --decrypt`: the plaintext as text. */
  decrypt(base64Message: string): string {
    return this.run(['--decrypt'], Buffer.from(base64Message, 'base64')).toString('utf8');
  }

  /** Stops gpg-agent for this home and deletes it. */
  close(): void {
    try {
      execFileSync('gpgconf', ['--kill', 'gpg-agent'], {
        env: { ...process.env, GNUPGHOME: this.dir },
        stdio: 'ignore',
        timeout: 30_000,
      });
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
