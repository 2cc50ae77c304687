import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { EngineClientError } from '../errors.js';

export interface VaultClientOptions {
  /** the gateway's base URL, e.g. https://gw.example.com */
  gatewayUrl: string | URL;
  /** how long a fetched value is reused (never beyond the token's `exp`); 0 turns the cache off */
  cacheSeconds?: number;
  /** most values kept */
  cacheEntries?: number;
  /** per call */
  timeoutMs?: number;
  /** an injectable fetch (tests, a proxy-aware one); default the global fetch (undici) */
  fetch?: typeof fetch;
  /** a clock for the cache (tests) */
  now?: () => number;
}

export const VAULT_CLIENT_DEFAULTS = { cacheSeconds: 30, cacheEntries: 1_000, timeoutMs: 5_000 } as const;

export interface VaultClient {
  /** one credential of the token's user; throws VAULT_CREDENTIAL_MISSING when none is stored */
  get(token: string, key: string): Promise<string>;
  /** several at once: the values found, and the names that are not stored */
  getMany(token: string, keys: readonly string[]): Promise<{ values: Record<string, string>; missing: string[] }>;
  /** drop every cached value of this token (its user logged out, the job ended) */
  forget(token: string): void;
}

/**
 * Reads the credentials of the user whose token the engine holds, from the gateway's vault API
 * (`POST /api/vault/values` with that token). Values are cached in memory for a short time,
 * keyed by a digest of the token, and never past the token's own expiry: a value fetched with
 * alice's token is never handed out for bob's.
 */
export function createVaultClient(options: VaultClientOptions): VaultClient {
  const base = new URL(String(options.gatewayUrl));
  if (!/^https?:$/.test(base.protocol)) throw new EngineClientError('OPTIONS_INVALID', 'vault.gatewayUrl: must be an http(s) URL');
  const cacheSeconds = options.cacheSeconds ?? VAULT_CLIENT_DEFAULTS.cacheSeconds;
  const timeoutMs = options.timeoutMs ?? VAULT_CLIENT_DEFAULTS.timeoutMs;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  // expiry checked against `now` here (not the cache's own clock), so a frozen test clock and the token's exp agree
  const cache = new LRUCache<string, { value: string; until: number }>({ max: options.cacheEntries ?? VAULT_CLIENT_DEFAULTS.cacheEntries });
  const tokenKeys = new LRUCache<string, Set<string>>({ max: options.cacheEntries ?? VAULT_CLIENT_DEFAULTS.cacheEntries });
  const url = new URL('api/vault/values', base.href.endsWith('/') ? base : `${base.href}/`);

  const ttlFor = (token: string): number => {
    if (cacheSeconds <= 0) return 0;
    const exp = expiryOf(token);
    const left = exp === undefined ? 0 : exp * 1000 - now();
    return Math.max(0, Math.min(cacheSeconds * 1000, left));
  };

  async function fetchValues(token: string, keys: readonly string[]): Promise<{ values: Record<string, string>; missing: string[] }> {
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ keys }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new EngineClientError('VAULT_UNAVAILABLE', `the gateway's vault at ${url.origin} did not answer`, { cause });
    }
    const body = (await response.json().catch(() => undefined)) as { values?: Record<string, string>; missing?: string[]; message?: string } | undefined;
    if (response.status === 401 || response.status === 403) {
      throw new EngineClientError('VAULT_REFUSED', `the gateway refused the vault call (${response.status}): ${typeof body?.message === 'string' ? body.message : 'no reason given'}`);
    }
    if (!response.ok || !body || typeof body.values !== 'object' || !Array.isArray(body.missing)) {
      throw new EngineClientError('VAULT_UNAVAILABLE', `the gateway's vault answered ${response.status}${typeof body?.message === 'string' ? `: ${body.message}` : ''}`);
    }
    return { values: body.values, missing: body.missing };
  }

  async function getMany(token: string, keys: readonly string[]) {
    const digest = createHash('sha256').update(token).digest('base64url');
    const values: Record<string, string> = {};
    const wanted: string[] = [];
    for (const key of new Set(keys)) {
      const hit = cache.get(`${digest}\u0000${key}`);
      if (hit !== undefined && hit.until > now()) values[key] = hit.value;
      else wanted.push(key);
    }
    if (wanted.length === 0) return { values, missing: [] };
    const fetched = await fetchValues(token, wanted);
    const ttl = ttlFor(token);
    for (const [key, value] of Object.entries(fetched.values)) {
      values[key] = value;
      if (ttl > 0) {
        cache.set(`${digest}\u0000${key}`, { value, until: now() + ttl });
        const set = tokenKeys.get(digest) ?? new Set<string>();
        set.add(key);
        tokenKeys.set(digest, set);
      }
    }
    return { values, missing: fetched.missing };
  }

  return {
    getMany,
    async get(token, key) {
      const { values } = await getMany(token, [key]);
      const value = values[key];
      if (value === undefined) throw new EngineClientError('VAULT_CREDENTIAL_MISSING', `the user has no credential named '${key}'`);
      return value;
    },
    forget(token) {
      const digest = createHash('sha256').update(token).digest('base64url');
      for (const key of tokenKeys.get(digest) ?? []) cache.delete(`${digest}\u0000${key}`);
      tokenKeys.delete(digest);
    },
  };
}

/** The token's `exp` (seconds), read without verifying: the gateway verifies; this only bounds the cache. */
function expiryOf(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}
