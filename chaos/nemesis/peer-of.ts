/**
 * Which node process opened a TCP connection, found from outside through /proc (Linux): the
 * proxy sees the client's ephemeral port, /proc/net/tcp maps that socket to an inode, and the
 * inode appears among exactly one node process's file descriptors. No server cooperation needed.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';

/** The inode of the loopback socket whose local port is `localPort` and peer port is `peerPort`. */
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

/** Returns the id of the node (from `pids`: node id → pid) that owns the client end, if any. */
export async function nodeOwningSocket(
  clientPort: number,
  serverPort: number,
  pids: ReadonlyMap<string, number>,
): Promise<string | undefined> {
  const inode = await socketInode(clientPort, serverPort);
  if (inode === undefined || inode === '0') return undefined;
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
        if ((await readlink(`/proc/${pid}/fd/${fd}`)) === wanted) return node;
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}
