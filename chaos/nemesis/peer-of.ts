/**
 * Which node process opened a TCP connection, found from outside through /proc (Linux): the
 * proxy sees the client's ephemeral port, /proc/net/tcp maps that socket to an inode, and the
 * inode appears among exactly one node process's file descriptors. No server cooperation needed.
 * A connection whose client end no process holds any more was closed by its dialer (or the dialer
 * died) while the proxy looked: it is reported as such, never as an unknown dialer.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';

/**
 * The inode of the loopback socket whose local port is `localPort` and peer port is `peerPort`:
 * undefined when no such socket exists, '0' when it exists but no process holds it any more (its
 * owner closed it or died: the kernel keeps the connection in FIN_WAIT/TIME_WAIT).
 */
async function socketInode(localPort: number, peerPort: number): Promise<string | undefined> {
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = parseInt(cols[1].split(':')[1], 16);
      const remote = parseInt(cols[2].split(':')[1], 16);
      if (local === localPort && remote === peerPort) return cols[9];
    }
  }
  return undefined;
}

/**
 * Who holds the client end of a connection: `{ node }` (from `pids`: node id → pid), `'closed'`
 * when no process holds it any more (the dialer closed it or died: nothing it sends can follow),
 * or undefined when a process holds it that is not (yet) among `pids`, or the lookup raced a
 * change of the fd table: the caller retries.
 */
export async function nodeOwningSocket(
  clientPort: number,
  serverPort: number,
  pids: ReadonlyMap<string, number>,
): Promise<{ node: string } | 'closed' | undefined> {
  const inode = await socketInode(clientPort, serverPort);
  if (inode === undefined || inode === '0') return 'closed';
  const wanted = `socket:[${inode}]`;
  for (const [node, pid] of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if ((await readlink(`/proc/${pid}/fd/${fd}`)) === wanted) return { node };
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}

/**
 * `nodeOwningSocket`, asked again (with the node pids re-read: a node may just have been
 * restarted) until it answers or `attempts` tries `delayMs` apart have passed: under load the
 * dialer's fd table or the pid map may lag the accepted connection.
 */
export async function identifyDialer(
  clientPort: number,
  serverPort: number,
  pids: () => ReadonlyMap<string, number>,
  attempts = 20,
  delayMs = 100,
): Promise<{ node: string } | 'closed' | undefined> {
  for (let i = 0; ; i++) {
    const found = await nodeOwningSocket(clientPort, serverPort, pids()).catch(() => undefined);
    if (found !== undefined || i + 1 >= attempts) return found;
    await new Promise((r) => setTimeout(r, delayMs));
  }
}
