/**
 * What the sys paths of the key-holder ceremonies see: the two ceremonies, the record writer,
 * the barrier-backed storage of the rekey backup, and `recorded`, which wraps one share
 * submission in its before/after ceremony record.
 */
import type { BackupStorage } from './rekey-backup.js';
import type { RekeyCeremony } from './rekey.js';
import type { GenerateRootCeremony } from './generate-root.js';
import { errorText, type CeremonyFacts, type CeremonyRecorder } from './ceremony-record.js';

/** The ceremonies as core wires them. */
export interface CeremonyContext {
  rekey: RekeyCeremony;
  generateRoot: GenerateRootCeremony;
  recorder: CeremonyRecorder;
  backupStorage: BackupStorage;
}

/**
 * Runs one ceremony step between its two records: `before` (fails closed when an audit device
 * exists and none can record), then `after` with the outcome `outcomeOf` derives, or `refused`
 * and the error text. `run` receives the record id (generate-root audits the minted token under
 * it itself and then returns `recordedAlready: true`).
 */
export async function recorded<T>(
  recorder: CeremonyRecorder,
  facts: CeremonyFacts,
  run: (recordId: string) => Promise<T>,
  outcomeOf: (result: T) => Partial<CeremonyFacts> & { recordedAlready?: boolean },
): Promise<T> {
  const id = await recorder.before(facts);
  let result: T;
  try {
    result = await run(id);
  } catch (err) {
    await recorder.after(id, { ...facts, outcome: 'refused', error: errorText(err) });
    throw err;
  }
  const { recordedAlready, ...outcome } = outcomeOf(result);
  if (recordedAlready !== true) await recorder.after(id, { ...facts, ...outcome });
  return result;
}
