/**
 * HCL → JSON for config files through `@cdktf/hcl2json`, loaded (with its WebAssembly) only when a
 * config file is HCL: `server -dev` and JSON configs do not pay for it at startup (issue 16).
 */

/** The JSON value of HCL `text`; rejects with the parser's message. `filename` labels errors. */
export async function parseHcl(filename: string, text: string): Promise<unknown> {
  const { parse } = await import('@cdktf/hcl2json');
  return parse(filename, text);
}
