import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { GatewayError } from '../errors.js';
import { FileLock } from './file-lock.js';
import { compareKeys } from './memory-store.js';
import { checkRecordKey, toJson, versionMatches } from './record-key.js';
import type { DurableStore, Versioned } from './store.js';

export interface FileStoreOptions {
  /** how long a write waits for another process's lock */
  lockTimeoutMs: number;
}

interface RecordFile {
  key: string;
  version: number;
  value: unknown;
}

const TEMP_PREFIX = '.tmp-';
const LOCK_NAME = '.lock';
/** file names stay well under the 255 bytes of ext4 and friends; longer keys go by digest */
const MAX_NAME = 240;

/**
 * One file per record in a folder of the data directory. A write goes to a temporary file that
 * is flushed to disk, then renamed over the record and the folder itself flushed: after a kill
 * at any moment the record is its old or its new content, never a mix. Writes are serialised,
 * within this process by a queue and across processes by a lock file, so the version check and
 * the rename are one step. Meant for one gateway (and its CLI); several gateways share PostgreSQL
 * or Redis instead.
 */
export class FileDurableStore implements DurableStore {
  readonly #dir: string;
  readonly #lock: FileLock;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, options: FileStoreOptions) {
    this.#dir = dir;
    this.#lock = new FileLock(join(dir, LOCK_NAME), options.lockTimeoutMs);
  }

  static async open(dir: string, options: FileStoreOptions): Promise<FileDurableStore> {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await access(dir, constants.W_OK);
    } catch (cause) {
      throw new GatewayError('GW_STORE_UNAVAILABLE', 503, `durable store: cannot write the folder ${dir}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { cause });
    }
    const store = new FileDurableStore(dir, options);
    await store.#serial(() => store.#removeAbandonedTemps());
    return store;
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    checkRecordKey(key);
    const record = await this.#read(fileNameOf(key));
    return record && record.key === key ? { value: record.value as T, version: record.version } : undefined;
  }

  async put<T>(key: string, value: T, expected: number | 'absent' | 'any'): Promise<number | false> {
    checkRecordKey(key);
    const json = toJson(value);
    return this.#serial(async () => {
      const name = fileNameOf(key);
      const current = await this.#read(name);
      if (!versionMatches(expected, current?.version)) return false;
      const version = (current?.version ?? 0) + 1;
      await this.#replace(name, `{"key":${JSON.stringify(key)},"version":${version},"value":${json}}\n`);
      return version;
    });
  }

  async delete(key: string, expected: number | 'any'): Promise<boolean> {
    checkRecordKey(key);
    return this.#serial(async () => {
      const name = fileNameOf(key);
      const current = await this.#read(name);
      if (!current || !versionMatches(expected, current.version)) return false;
      await unlink(join(this.#dir, name));
      await syncFolder(this.#dir);
      return true;
    });
  }

  async list<T>(prefix: string): Promise<Array<Versioned<T> & { key: string }>> {
    const out: Array<Versioned<T> & { key: string }> = [];
    for (const name of await readdir(this.#dir)) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      // a named file is filtered by its name; a digest-named one has to be opened
      if (!name.startsWith('~') && !keyOfFileName(name).startsWith(prefix)) continue;
      const record = await this.#read(name);
      if (record && record.key.startsWith(prefix)) out.push({ key: record.key, value: record.value as T, version: record.version });
    }
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  async ping(): Promise<void> {
    try {
      await access(this.#dir, constants.W_OK);
    } catch (cause) {
      throw new GatewayError('GW_STORE_UNAVAILABLE', 503, `durable store: the folder ${this.#dir} is not writable`, { cause });
    }
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => undefined);
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => this.#lock.hold(work));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #read(name: string): Promise<RecordFile | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.#dir, name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new GatewayError('GW_STORE_UNAVAILABLE', 503, `durable store: cannot read ${name}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
    }
    try {
      return JSON.parse(text) as RecordFile;
    } catch (cause) {
      // renames are atomic, so this is damage from outside (a disk, an editor), not a torn write
      throw new GatewayError('GW_INTERNAL', 500, `durable store: the record file ${join(this.#dir, name)} is not valid JSON`, { cause });
    }
  }

  async #replace(name: string, content: string): Promise<void> {
    const temp = join(this.#dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, join(this.#dir, name));
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    await syncFolder(this.#dir);
  }

  /** Temporary files of writers that were killed before their rename (run under the lock). */
  async #removeAbandonedTemps(): Promise<void> {
    for (const name of await readdir(this.#dir)) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      const pid = Number(name.slice(TEMP_PREFIX.length).split('-')[0]);
      if (pid === process.pid || !processAlive(pid)) await unlink(join(this.#dir, name)).catch(() => undefined);
    }
  }
}

/** The record's file name: the key with everything but `A-Za-z0-9_-` as %XX, or a digest when that is too long. */
export function fileNameOf(key: string): string {
  let name = '';
  for (const byte of Buffer.from(key)) {
    const c = String.fromCharCode(byte);
    name += /[A-Za-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (name.length + 5 <= MAX_NAME) return `${name}.json`;
  return `~${createHash('sha256').update(key).digest('hex')}.json`;
}

function keyOfFileName(name: string): string {
  return decodeURIComponent(name.slice(0, -'.json'.length));
}

async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
