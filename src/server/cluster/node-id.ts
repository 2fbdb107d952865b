/**
 * The node's Raft id (Vault's `storage "raft" { node_id }`): the configured value, else the one
 * kept in `<path>/node-id`, else a new UUID written there on first start. An id never changes
 * once the node is a member (Raft's "a node id is used once"), so the file wins over nothing but
 * the configuration, and a configured id that differs from the recorded one is refused.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArcaError } from '../../lib/errors.js';

/** File name of the recorded node id inside the raft path. */
export const nodeIdFileName = 'node-id';

/** Longest node id accepted (it is stored in every configuration entry). */
const nodeIdLengthMax = 128;

/** Resolves the node id (see the module comment). */
export async function loadOrCreateNodeId(dir: string, configured: string | undefined): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, nodeIdFileName);
  let recorded: string | undefined;
  try {
    recorded = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (configured !== undefined) checkNodeId(configured);
  if (recorded !== undefined && recorded !== '') {
    if (configured !== undefined && configured !== recorded) {
      throw new ArcaError(
        'invalid_field',
        `storage "raft" node_id ${JSON.stringify(configured)} differs from the id this data directory ` +
          `was created with (${JSON.stringify(recorded)}); a member's id cannot change`,
      );
    }
    return recorded;
  }
  const id = configured ?? randomUUID();
  await writeFile(file, `${id}\n`, { mode: 0o600 });
  return id;
}

function checkNodeId(id: string): void {
  if (id.length === 0 || id.length > nodeIdLengthMax || !/^[A-Za-z0-9._-]+$/.test(id)) {
    throw new ArcaError(
      'invalid_field',
      `storage "raft" node_id must be 1-${nodeIdLengthMax} characters of letters, digits, '.', '_' or '-'`,
    );
  }
}
