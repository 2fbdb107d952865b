/** Runs the real CLI in-process with stdout and stderr captured (shared by the CLI test files). */
import { runCli } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/context.js';

/** One CLI run: exit code and what it printed. */
export interface Run {
  code: number;
  out: string;
  err: string;
}

/** `io` must name the environment and home dir; stdin and the secret prompt default to ''. */
export async function runCaptured(
  argv: readonly string[],
  io: Pick<CliIo, 'env' | 'homeDir'> & Partial<CliIo>,
): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    io: {
      readStdin: async () => '',
      promptSecret: async () => '',
      ...io,
      stdout: (t) => (out += t),
      stderr: (t) => (err += t),
    },
  });
  return { code, out, err };
}
