/**
 * Options of token verification: what they are, their defaults (all in VERIFY_DEFAULTS), and
 * their validation. Bad options fail at start-up with an OptionsError (code OPTIONS_INVALID)
 * naming the option's path; the validated result is frozen.
 */
import { OptionsError } from '../errors.js';
import {
  checkKnownKeys,
  isPlainObject,
  join,
  nonEmptyString,
  oneOrMany,
  optionalBoolean,
  optionalNumber,
  requireObject,
  stringList,
} from '../options-check.js';
import { ASYMMETRIC_ALGORITHMS, TOKEN_TYPE, type TokenAlgorithm } from './claims.js';
import { devModeWarning, DEV_MODE_WARNING_CODE, loadDevKey, type DevKey, type DevKeyOptions } from './dev-key.js';
import { loadTrustedKeys, type PublicJwkSet, type TrustedKeyFile, type TrustedKeyInput } from './trusted-keys.js';

export interface JwksFetchOptions {
  /** milliseconds one JWKS request may take */
  timeoutMs?: number;
  /** milliseconds after a fetch during which an unknown `kid` does not cause another fetch */
  cooldownMs?: number;
  /** milliseconds after which the key set is fetched again before use */
  cacheMaxAgeMs?: number;
  /** allow an http:// JWKS URL on a non-loopback host (a coded warning is emitted) */
  allowInsecureHttp?: boolean;
}

export interface VerifyCacheOptions {
  /** most verified tokens kept (each until its `exp`) */
  max?: number;
}

/** A coded warning for a risky-but-legal setup (dev key, http JWKS, large clock tolerance). */
export interface EngineClientWarning {
  code: string;
  message: string;
}

export interface VerifyOptions {
  /** the gateway's `iss` (required) */
  issuer: string;
  /** this engine's `aud`; a token must name one of them (required) */
  audience: string | readonly string[];
  /** allowed signature algorithms: a subset of EdDSA, ES256, RS256 */
  algorithms?: readonly TokenAlgorithm[];
  /** seconds of clock difference accepted on exp, nbf and iat */
  clockToleranceSeconds?: number;
  /** refuse tokens whose `iat` is older than this, whatever their `exp` */
  maxTokenAgeSeconds?: number;
  /** refuse longer token strings before parsing them */
  maxTokenLength?: number;
  /** header `typ` values accepted (compared ignoring case and an `application/` prefix) */
  types?: readonly string[];
  /** trust: the gateway's JWKS URL (e.g. https://gw/.well-known/jwks.json) */
  jwksUrl?: string | URL;
  /** how the JWKS URL is fetched */
  jwks?: JwksFetchOptions;
  /** trust: public keys inline (PEM, { pem, kid } or JWK with kid) */
  keys?: readonly TrustedKeyInput[];
  /** trust: public key files (PEM, JWK or JWK set); a PEM key's kid is its RFC 7638 thumbprint unless given */
  keyFiles?: readonly TrustedKeyFile[];
  /** trust: the generated development key (refused under NODE_ENV=production) */
  devKey?: boolean | DevKeyOptions;
  /** cache of verified tokens, or false to verify every time */
  cache?: false | VerifyCacheOptions;
  /** receives coded warnings; default process.emitWarning */
  onWarning?: (warning: EngineClientWarning) => void;
  /** milliseconds since the epoch; tests freeze time with it */
  clock?: () => number;
}

/** Every default of verification, written out once. */
export const VERIFY_DEFAULTS = Object.freeze({
  /** the gateway signs with Ed25519 unless told otherwise; HS* and none are never allowed */
  algorithms: Object.freeze(['EdDSA'] as TokenAlgorithm[]),
  /** small: tokens live minutes, clocks of servers under NTP differ by far less */
  clockToleranceSeconds: 30,
  /** off: `exp` bounds a token's life (the gateway mints minutes) */
  maxTokenAgeSeconds: undefined as number | undefined,
  /** a contract token is well under 2 KiB; refuse junk before parsing it */
  maxTokenLength: 8192,
  /** the gateway's own type, and `JWT`, which gateways before it minted; narrow to the first once every gateway is current */
  types: Object.freeze([TOKEN_TYPE, 'JWT']),
  jwks: Object.freeze({
    /** a JWKS fetch that takes longer fails with JWKS_UNAVAILABLE */
    timeoutMs: 5_000,
    /** at most one refetch per 30 s for unknown kids, so forged kids cannot flood the gateway */
    cooldownMs: 30_000,
    /** refetch the set every 10 minutes, to notice removed keys */
    cacheMaxAgeMs: 10 * 60_000,
    /** http:// only to loopback; TLS protects the keys in transit elsewhere */
    allowInsecureHttp: false,
  }),
  /** verified tokens kept until their exp; signature checks are the costliest step */
  cache: Object.freeze({ max: 10_000 }),
});

export type TrustSource =
  | { kind: 'jwks'; url: URL; timeoutMs: number; cooldownMs: number; cacheMaxAgeMs: number }
  | { kind: 'keys'; jwks: PublicJwkSet }
  | { kind: 'dev'; jwks: PublicJwkSet; devKey: DevKey };

export interface ResolvedVerifyOptions {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly algorithms: readonly TokenAlgorithm[];
  readonly clockToleranceSeconds: number;
  readonly maxTokenAgeSeconds: number | undefined;
  readonly maxTokenLength: number;
  /** lower case, without `application/` */
  readonly types: readonly string[];
  readonly trust: TrustSource;
  readonly cache: false | { readonly max: number };
  readonly clock: () => number;
}

const KNOWN_KEYS = [
  'issuer', 'audience', 'algorithms', 'clockToleranceSeconds', 'maxTokenAgeSeconds', 'maxTokenLength', 'types',
  'jwksUrl', 'jwks', 'keys', 'keyFiles', 'devKey', 'cache', 'onWarning', 'clock',
] as const;
export const VERIFY_OPTION_KEYS: readonly string[] = KNOWN_KEYS;

export function defaultWarning(warning: EngineClientWarning): void {
  process.emitWarning(warning.message, { type: 'PortcullisWarning', code: warning.code });
}

function resolveAlgorithms(value: unknown): TokenAlgorithm[] {
  if (value === undefined) return [...VERIFY_DEFAULTS.algorithms];
  const list = stringList(value, 'algorithms', { nonEmpty: true });
  list.forEach((alg, index) => {
    if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) {
      const why = /^HS/i.test(alg) ? 'symmetric algorithms are never allowed across the trust boundary' : alg.toLowerCase() === 'none' ? 'unsigned tokens are never allowed' : 'unknown algorithm';
      throw new OptionsError(join('algorithms', index), `${alg} refused: ${why} (allowed: ${ASYMMETRIC_ALGORITHMS.join(', ')})`);
    }
  });
  return [...new Set(list)] as TokenAlgorithm[];
}

/** RFC 7515 §4.1.9: `typ` is a media type whose `application/` may be left out; compared without case. */
export function normalizeType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function resolveJwks(url: unknown, fetchOptions: unknown, warn: (w: EngineClientWarning) => void): TrustSource {
  let parsed: URL;
  try {
    parsed = url instanceof URL ? new URL(url.href) : new URL(nonEmptyString(url, 'jwksUrl'));
  } catch (cause) {
    if (cause instanceof OptionsError) throw cause;
    throw new OptionsError('jwksUrl', 'must be an absolute URL', cause);
  }
  const f = fetchOptions === undefined ? {} : requireObject(fetchOptions, 'jwks');
  checkKnownKeys(f, Object.keys(VERIFY_DEFAULTS.jwks), 'jwks');
  const d = VERIFY_DEFAULTS.jwks;
  const allowInsecureHttp = optionalBoolean(f.allowInsecureHttp, 'jwks.allowInsecureHttp', d.allowInsecureHttp);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new OptionsError('jwksUrl', 'must be an https:// (or loopback http://) URL');
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    if (!allowInsecureHttp) throw new OptionsError('jwksUrl', 'http:// is allowed only to a loopback host; use https:// or set jwks.allowInsecureHttp');
    warn({ code: 'PORTCULLIS_INSECURE_JWKS', message: `the JWKS is fetched over plain http from ${parsed.host}: anyone on the path can swap the keys` });
  }
  return {
    kind: 'jwks',
    url: parsed,
    timeoutMs: optionalNumber(f.timeoutMs, 'jwks.timeoutMs', d.timeoutMs, { min: 1, max: 60_000, integer: true }),
    cooldownMs: optionalNumber(f.cooldownMs, 'jwks.cooldownMs', d.cooldownMs, { min: 0, integer: true }),
    cacheMaxAgeMs: optionalNumber(f.cacheMaxAgeMs, 'jwks.cacheMaxAgeMs', d.cacheMaxAgeMs, { min: 0, integer: true }),
  };
}

function resolveTrust(options: Record<string, unknown>, algorithms: TokenAlgorithm[], warn: (w: EngineClientWarning) => void): TrustSource {
  const local = options.keys !== undefined || options.keyFiles !== undefined;
  const dev = options.devKey !== undefined && options.devKey !== false;
  const chosen = [options.jwksUrl !== undefined && 'jwksUrl', local && 'keys/keyFiles', dev && 'devKey'].filter(Boolean);
  if (chosen.length === 0) throw new OptionsError('jwksUrl', 'no trust source: give jwksUrl, keys, keyFiles or devKey');
  if (chosen.length > 1) throw new OptionsError(String(chosen[1]).split('/')[0], `choose one trust source, not ${chosen.join(' and ')}`);
  if (options.jwks !== undefined && options.jwksUrl === undefined) throw new OptionsError('jwks', 'only applies with jwksUrl');
  if (options.jwksUrl !== undefined) return resolveJwks(options.jwksUrl, options.jwks, warn);
  if (local) {
    if (options.keys !== undefined && !Array.isArray(options.keys)) throw new OptionsError('keys', 'must be a list of keys');
    if (options.keyFiles !== undefined && !Array.isArray(options.keyFiles)) throw new OptionsError('keyFiles', 'must be a list of file paths');
    return { kind: 'keys', jwks: loadTrustedKeys(options.keys as TrustedKeyInput[], options.keyFiles as TrustedKeyFile[], algorithms) };
  }
  if (options.devKey !== true && !isPlainObject(options.devKey)) throw new OptionsError('devKey', 'must be true or { dir }');
  const devOptions = options.devKey === true ? {} : (options.devKey as DevKeyOptions);
  checkKnownKeys(devOptions as Record<string, unknown>, ['dir', 'env'], 'devKey');
  if (!algorithms.includes('EdDSA')) throw new OptionsError('algorithms', 'the dev key is Ed25519: algorithms must include EdDSA');
  const devKey = loadDevKey(devOptions);
  warn({ code: DEV_MODE_WARNING_CODE, message: devModeWarning(devKey) });
  return { kind: 'dev', jwks: { keys: [devKey.publicJwk] }, devKey };
}

/** Validate verification options, fill in the defaults, and freeze the result. */
export function resolveVerifyOptions(input: VerifyOptions): ResolvedVerifyOptions {
  const options = requireObject(input, 'options');
  checkKnownKeys(options, KNOWN_KEYS, '');
  if (options.onWarning !== undefined && typeof options.onWarning !== 'function') throw new OptionsError('onWarning', 'must be a function');
  if (options.clock !== undefined && typeof options.clock !== 'function') throw new OptionsError('clock', 'must be a function returning milliseconds');
  const warn = (options.onWarning as (w: EngineClientWarning) => void) ?? defaultWarning;

  const issuer = nonEmptyString(options.issuer, 'issuer');
  if (options.audience === undefined) throw new OptionsError('audience', 'is required: the audience the gateway mints for this engine');
  const audience = oneOrMany(options.audience, 'audience');
  const algorithms = resolveAlgorithms(options.algorithms);
  const clockToleranceSeconds = optionalNumber(options.clockToleranceSeconds, 'clockToleranceSeconds', VERIFY_DEFAULTS.clockToleranceSeconds, { min: 0, max: 600 });
  if (clockToleranceSeconds > 120) {
    warn({ code: 'PORTCULLIS_LARGE_CLOCK_TOLERANCE', message: `clockToleranceSeconds=${clockToleranceSeconds} keeps expired tokens usable that long` });
  }
  const maxTokenAgeSeconds =
    options.maxTokenAgeSeconds === undefined ? undefined : optionalNumber(options.maxTokenAgeSeconds, 'maxTokenAgeSeconds', 0, { min: 1, integer: true });
  const maxTokenLength = optionalNumber(options.maxTokenLength, 'maxTokenLength', VERIFY_DEFAULTS.maxTokenLength, { min: 256, max: 1 << 20, integer: true });

  const types = (options.types === undefined ? [...VERIFY_DEFAULTS.types] : stringList(options.types, 'types', { nonEmpty: true })).map(normalizeType);

  let cache: false | { max: number };
  if (options.cache === false) cache = false;
  else {
    const c = options.cache === undefined ? {} : requireObject(options.cache, 'cache');
    checkKnownKeys(c, ['max'], 'cache');
    cache = { max: optionalNumber(c.max, 'cache.max', VERIFY_DEFAULTS.cache.max, { min: 1, integer: true }) };
  }

  const trust = resolveTrust(options, algorithms, warn);
  return Object.freeze({
    issuer,
    audience: Object.freeze(audience),
    algorithms: Object.freeze(algorithms),
    clockToleranceSeconds,
    maxTokenAgeSeconds,
    maxTokenLength,
    types: Object.freeze([...new Set(types)]),
    trust: Object.freeze(trust),
    cache: cache && Object.freeze(cache),
    clock: (options.clock as () => number) ?? Date.now,
  });
}
