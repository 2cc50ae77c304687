import { chmod, lstat, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { connect, type Socket } from 'node:net';
import type { IncomingMessage, Server } from 'node:http';
import { GatewayError } from '../errors.js';

/**
 * What a connection on the Unix socket reports as its peer. A process on this host is behind
 * it, so the address of this host; the trust it gets comes from the file's permissions and
 * the mark below, never from the address (a TCP peer at 127.0.0.1 is not trusted by it).
 */
export const SOCKET_PEER_ADDRESS = '127.0.0.1';

const kLocalSocket = Symbol('portcullis.localSocket');

/** True for a request that came in on the gateway's Unix socket. */
export function viaLocalSocket(request: IncomingMessage): boolean {
  return (request.socket as Socket & { [kLocalSocket]?: true })[kLocalSocket] === true;
}

/**
 * Listen on a Unix socket file: a stale file left by a gateway that died is replaced, a live
 * one (another gateway listening) or a file that is no socket is an error. The socket is
 * created with no permissions for anyone but the owner and then given `mode`, so it is never
 * open wider than configured, not even for a moment. Closing the server removes the file
 * (libuv unlinks what it bound), so nothing here deletes a path another process may own by then.
 */
export async function listenOnSocket(server: Server, path: string, mode: number): Promise<void> {
  await clearStaleSocket(path);
  server.on('connection', (socket: Socket) => {
    Object.defineProperty(socket, 'remoteAddress', { value: SOCKET_PEER_ADDRESS });
    (socket as Socket & { [kLocalSocket]?: true })[kLocalSocket] = true;
  });
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      // the umask is the process's: it is narrowed only around listen(), which binds the
      // socket synchronously, so no other file the process creates meanwhile is affected
      const previous = process.umask(0o177);
      try {
        server.listen(path, () => {
          server.off('error', fail);
          done();
        });
      } finally {
        process.umask(previous);
      }
    });
  } catch (err) {
    throw socketError(`cannot listen on the Unix socket ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, err);
  }
  await chmod(path, mode);
}

async function clearStaleSocket(path: string): Promise<void> {
  const folder = dirname(path);
  const parent = await stat(folder).catch(() => undefined);
  if (!parent?.isDirectory()) throw socketError(`the folder ${folder} does not exist: create it, owned by the gateway's user and the proxy's group`);
  const found = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw socketError(`cannot inspect ${path}: ${err.code}`);
  });
  if (!found) return;
  if (!found.isSocket()) throw socketError(`${path} exists and is not a socket: remove it or choose another forwardAuth.socket`);
  if (await someoneListens(path)) throw socketError(`another process listens on ${path}`);
  await unlink(path);
}

function someoneListens(path: string): Promise<boolean> {
  return new Promise((answer) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      answer(true);
    });
    probe.once('error', () => answer(false));
  });
}

function socketError(message: string, cause?: unknown): GatewayError {
  return new GatewayError('GW_SOCKET_INVALID', 500, `forwardAuth.socket: ${message}`, { cause });
}
