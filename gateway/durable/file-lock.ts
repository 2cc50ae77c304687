import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../errors.js';

/**
 * A lock file shared by every process that writes one folder (the gateway and a CLI command),
 * held for one write at a time. It holds the owner's pid: a lock left by a killed process is
 * broken by the next writer, so a kill -9 never blocks the folder for good.
 */
export class FileLock {
  readonly #path: string;
  readonly #timeoutMs: number;

  constructor(path: string, timeoutMs: number) {
    this.#path = path;
    this.#timeoutMs = timeoutMs;
  }

  async hold<T>(work: () => Promise<T>): Promise<T> {
    await this.#acquire();
    try {
      return await work();
    } finally {
      await unlink(this.#path).catch(() => undefined);
    }
  }

  async #acquire(): Promise<void> {
    const deadline = Date.now() + this.#timeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (await this.#tryCreate()) return;
      const owner = await ownerOf(this.#path);
      if (owner !== undefined && !alive(owner)) {
        await this.#breakStale(owner);
        continue;
      }
      if (Date.now() > deadline) throw unavailable(`its lock is held by process ${owner ?? '(unknown)'} for over ${this.#timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, Math.min(2 + attempt, 20)));
    }
  }

  /**
   * The lock appears with its pid already in it (written to a temporary file, then hard-linked
   * into place, which fails when a lock exists): a writer killed half-way never leaves an empty,
   * unbreakable lock behind. Its temporary file is swept like any other (`.tmp-<pid>-…`).
   */
  async #tryCreate(): Promise<boolean> {
    const temp = join(dirname(this.#path), `.tmp-${process.pid}-lock-${randomBytes(4).toString('hex')}`);
    try {
      await writeFile(temp, String(process.pid), { mode: 0o600, flag: 'wx' });
      await link(temp, this.#path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw unavailable(`cannot create its lock file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, err);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  /** Move the lock aside before removing it, and only when it is still the dead owner's. */
  async #breakStale(owner: number): Promise<void> {
    const aside = `${this.#path}.stale-${randomBytes(4).toString('hex')}`;
    try {
      await rename(this.#path, aside);
    } catch {
      return; // someone else broke it first
    }
    const moved = await ownerOf(aside);
    if (moved === owner || moved === undefined) {
      await unlink(aside).catch(() => undefined);
    } else {
      // a live writer took the lock between our check and the move: hand it back
      await rename(aside, this.#path).catch(() => undefined);
    }
  }
}

async function ownerOf(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number(text);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unavailable(why: string, cause?: unknown): GatewayError {
  return new GatewayError('GW_STORE_UNAVAILABLE', 503, `durable store: ${why}`, { cause });
}
