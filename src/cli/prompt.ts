/**
 * Reading secrets from the user: on a terminal, a prompt whose typed characters are NOT echoed
 * (readline with muted output); otherwise one line from stdin (pipes, scripts, tests).
 */
import readline from 'node:readline';
import { Writable } from 'node:stream';

/** Reads one line without echo on a TTY, or the first line of piped stdin. */
export async function promptSecret(
  prompt: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  if (!input.isTTY) {
    output.write(prompt);
    const line = await firstLine(input);
    output.write('\n');
    return line;
  }
  let muted = false;
  const mutedOutput = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!muted) output.write(chunk);
      callback();
    },
  });
  const rl = readline.createInterface({ input, output: mutedOutput, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.question(prompt, (answer) => {
        output.write('\n');
        resolve(answer.trim());
      });
      muted = true; // everything echoed after the prompt (the typed key) is swallowed
      rl.on('SIGINT', () => reject(new Error('interrupted')));
      rl.on('close', () => reject(new Error('no input')));
    });
  } finally {
    rl.close();
  }
}

/** The first line of a stream (bounded to 64 KiB). */
async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += String(chunk);
    const newline = text.indexOf('\n');
    if (newline !== -1) return text.slice(0, newline).trim();
    if (text.length > 64 * 1024) break;
  }
  return text.trim();
}

/** All of a stream as text (bounded to 32 MiB, the server's body limit). */
export async function readAll(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += String(chunk);
    if (text.length > 32 * 1024 * 1024) throw new Error('stdin input too large');
  }
  return text;
}
