import { randomBytes } from 'node:crypto';
import { mkdir, open as openFile, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { VaultSettings } from '@portcullis/config/schema/vault.js';
import { resolveSecret } from '@portcullis/config/secrets.js';
import { errors, GatewayError } from '../errors.js';
import type { DurableStore } from '../durable/store.js';
import { EnvelopeOpenError, open, seal, verificationAad } from './envelope.js';
import { verificationRecord, type VerificationRecord } from './layout.js';

export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

export interface MasterKeyRing {
  /** wraps every new data key */
  readonly active: MasterKey;
  /** every configured key by id, the active one included */
  readonly byId: ReadonlyMap<string, MasterKey>;
}

/** The demo key's file; nowhere else is a key ever generated. */
export const DEMO_KEY_FILE = 'vault-demo-master.key';
const VERIFICATION_TEXT = 'portcullis vault master key check';

/**
 * Resolve the configured master keys and check each against the verification record the
 * vault keeps for it: a key that does not open its record — a wrong or a swapped secret —
 * stops the start with an error naming its id, before anything is written under it. A key id
 * seen for the first time gets its record now (the vault then knows this key from here on).
 */
export async function loadMasterKeys(settings: VaultSettings, store: DurableStore, context: { configDir: string; dataDir: string; env: NodeJS.ProcessEnv }): Promise<MasterKeyRing | undefined> {
  let keys: MasterKey[];
  if (settings.masterKeys.length > 0) {
    keys = [];
    for (const [i, entry] of settings.masterKeys.entries()) {
      let text: string;
      try {
        text = await resolveSecret(entry.key, context);
      } catch (cause) {
        throw keyUnusable(`vault.masterKeys[${i}] (id '${entry.id}'): ${(cause as Error).message}`, cause);
      }
      keys.push({ id: entry.id, key: parseKey(text, `vault.masterKeys[${i}] (id '${entry.id}')`) });
    }
  } else if (settings.demoKey) {
    if (context.env.NODE_ENV === 'production') throw errors.devShortcutInProduction('vault.demoKey (a master key generated into the data folder)');
    keys = [{ id: 'demo', key: await demoKey(join(context.dataDir, DEMO_KEY_FILE)) }];
  } else {
    return undefined;
  }
  for (const key of keys) await verify(key, store);
  const active = keys.find((k) => k.id === (settings.activeKey ?? keys[0]!.id))!;
  return { active, byId: new Map(keys.map((k) => [k.id, k])) };
}

async function verify(key: MasterKey, store: DurableStore): Promise<void> {
  const name = verificationRecord(key.id);
  const record = await store.get<VerificationRecord>(name);
  if (!record) {
    const created = await store.put<VerificationRecord>(name, { keyId: key.id, sealed: seal(key.key, Buffer.from(VERIFICATION_TEXT), verificationAad(key.id)) }, 'absent');
    // another gateway registered the key at the same moment: check against its record
    if (created === false) return verify(key, store);
    return;
  }
  try {
    if (open(key.key, record.value.sealed, verificationAad(key.id)).toString() === VERIFICATION_TEXT) return;
  } catch (err) {
    if (!(err instanceof EnvelopeOpenError)) throw err;
  }
  throw keyUnusable(`vault master key '${key.id}' is not the key the vault was written with (it does not open its verification record); check the secret it is read from`);
}

/** 32 bytes as base64, base64url or hex; anything else is refused with the option's path (never the text). */
function parseKey(text: string, path: string): Buffer {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key || key.length !== 32) throw keyUnusable(`${path}: must be 32 random bytes as base64 or hex (e.g. openssl rand -base64 32)`);
  return key;
}

async function demoKey(path: string): Promise<Buffer> {
  try {
    return parseKey(await readFile(path, 'utf8'), path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    const handle = await openFile(path, 'wx', 0o600);
    await handle.writeFile(`${key.toString('base64')}\n`);
    await handle.sync();
    await handle.close();
    return key;
  } catch (err) {
    // a second gateway process generated it first
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return parseKey(await readFile(path, 'utf8'), path);
    throw err;
  }
}

function keyUnusable(message: string, cause?: unknown): GatewayError {
  return new GatewayError('GW_VAULT_KEY_UNUSABLE', 500, message, { cause });
}
