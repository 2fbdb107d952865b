/**
 * Arca's release version, in one place: the CLI's `arca version`, the server's `version` in
 * seal-status and health. Kept equal to package.json's `version` (a unit test checks it).
 */
export const arcaVersion = '0.1.0';
