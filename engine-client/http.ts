/**
 * The framework-free path: verify the gateway's token on a plain `node:http` request (or any
 * object with `headers`) and answer refusals as JSON. The fastify plugin and the express
 * middleware are thin wrappers around `createRequestAuthenticator`.
 *
 *   const auth = createRequestAuthenticator({ issuer, audience, jwksUrl });
 *   http.createServer(async (req, res) => {
 *     let identity;
 *     try { identity = await auth.identify(req); } catch (err) { return sendError(res, err); }
 *     ...
 *   });
 */
import type { ServerResponse } from 'node:http';
import { isEngineClientError, OptionsError, TokenError } from './errors.js';
import { mapIdentity } from './identity/map.js';
import { resolveIdentityMapping, type IdentityMappingOptions, type ResolvedIdentityMapping } from './identity/options.js';
import type { Identity } from './identity/types.js';
import { checkKnownKeys, optionalBoolean, optionalString, requireObject } from './options-check.js';
import { VERIFY_OPTION_KEYS, type VerifyOptions } from './token/options.js';
import { createTokenVerifier, type TokenVerifier } from './token/verify.js';

/** Verification options plus identity mapping and where the token is. */
export interface RequestAuthenticatorOptions extends VerifyOptions {
  /** how claims become the identity (user id claim, roles, attribute claim names) */
  identity?: IdentityMappingOptions;
  /** request header carrying the token (lower case) */
  tokenHeader?: string;
  /** scheme before the token in that header; '' for the bare token */
  tokenScheme?: string;
  /** refuse requests without a token (false: identity stays null; a bad token is still refused) */
  required?: boolean;
  /** realm in WWW-Authenticate challenges */
  realm?: string;
}

/** Every default of the request path, written out once (verification: VERIFY_DEFAULTS, mapping: IDENTITY_DEFAULTS). */
export const REQUEST_DEFAULTS = Object.freeze({
  /** the gateway's default (config tokens.header) */
  tokenHeader: 'authorization',
  /** the gateway's default (config tokens.scheme) */
  tokenScheme: 'Bearer',
  /** secure by default: no token, no entry */
  required: true,
  realm: undefined as string | undefined,
});

const REQUEST_KEYS = ['identity', ...Object.keys(REQUEST_DEFAULTS)];

/** A request as the authenticator reads it: `node:http`, express and fastify requests all fit. */
export interface RequestWithHeaders {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface RequestAuthenticator {
  readonly verifier: TokenVerifier;
  readonly identityMapping: ResolvedIdentityMapping;
  /** refuse requests without a token (the `required` option) */
  readonly required: boolean;
  /** the audiences the verifier accepts (a route may narrow them to one) */
  readonly audiences: readonly string[];
  /** realm in WWW-Authenticate challenges */
  readonly realm: string | undefined;
  /** verify a token and map it (for websockets, queues, ...); throws a TokenError */
  authenticate(token: string): Promise<Identity>;
  /** the request's caller; null without a token when not required; throws a TokenError otherwise */
  identify(request: RequestWithHeaders, options?: { required?: boolean }): Promise<Identity | null>;
}

/** Take the token out of the header value; undefined when there is none for our scheme. */
export function readToken(value: string | readonly string[] | undefined, scheme: string): string | undefined {
  if (Array.isArray(value)) value = value.length === 1 ? value[0] : undefined;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (scheme === '') return trimmed === '' ? undefined : trimmed;
  const space = trimmed.indexOf(' ');
  if (space < 0 || trimmed.slice(0, space).toLowerCase() !== scheme.toLowerCase()) return undefined;
  const token = trimmed.slice(space + 1).trim();
  return token === '' ? undefined : token;
}

/** Check and split the options; `extraKeys` are keys a wrapper allows on top (fastify's register keys). */
export function resolveRequestOptions(options: RequestAuthenticatorOptions, extraKeys: readonly string[] = []) {
  const all = requireObject(options, 'options');
  checkKnownKeys(all, [...REQUEST_KEYS, ...VERIFY_OPTION_KEYS], '', extraKeys);
  const verifyOptions: Record<string, unknown> = {};
  for (const key of VERIFY_OPTION_KEYS) if (all[key] !== undefined) verifyOptions[key] = all[key];
  const tokenHeader = optionalString(all.tokenHeader, 'tokenHeader', REQUEST_DEFAULTS.tokenHeader).toLowerCase();
  if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(tokenHeader)) throw new OptionsError('tokenHeader', 'must be a valid header name');
  if (all.tokenScheme !== undefined && (typeof all.tokenScheme !== 'string' || /\s/.test(all.tokenScheme))) {
    throw new OptionsError('tokenScheme', "must be a scheme name like 'Bearer', or '' for the bare token");
  }
  const realm = all.realm === undefined ? undefined : optionalString(all.realm, 'realm', '');
  return {
    verifyOptions: verifyOptions as unknown as VerifyOptions,
    identity: resolveIdentityMapping((all.identity ?? {}) as IdentityMappingOptions, 'identity'),
    tokenHeader,
    tokenScheme: (all.tokenScheme as string | undefined) ?? REQUEST_DEFAULTS.tokenScheme,
    required: optionalBoolean(all.required, 'required', REQUEST_DEFAULTS.required),
    realm,
  };
}

export function createRequestAuthenticator(
  options: RequestAuthenticatorOptions,
  internal: { extraKeys?: readonly string[]; onWarning?: VerifyOptions['onWarning'] } = {},
): RequestAuthenticator {
  const settings = resolveRequestOptions(options, internal.extraKeys);
  const onWarning = settings.verifyOptions.onWarning ?? internal.onWarning;
  const verifier = createTokenVerifier(onWarning ? { ...settings.verifyOptions, onWarning } : settings.verifyOptions);
  // a cached verification returns the same frozen result, so its identity can be reused too
  const identities = new WeakMap<object, Identity>();
  const authenticate = async (token: string): Promise<Identity> => {
    try {
      const verified = await verifier.verify(token);
      let identity = identities.get(verified);
      if (!identity) {
        identity = mapIdentity(verified.claims, settings.identity, token);
        identities.set(verified, identity);
      }
      return identity;
    } catch (err) {
      throw err instanceof TokenError ? err.withRealm(settings.realm) : err;
    }
  };
  return Object.freeze({
    verifier,
    identityMapping: settings.identity,
    required: settings.required,
    audiences: typeof settings.verifyOptions.audience === 'string' ? [settings.verifyOptions.audience] : [...settings.verifyOptions.audience],
    realm: settings.realm,
    authenticate,
    async identify(request: RequestWithHeaders, per: { required?: boolean } = {}) {
      const token = readToken(request.headers[settings.tokenHeader], settings.tokenScheme);
      if (token === undefined) {
        if (!(per.required ?? settings.required)) return null;
        throw new TokenError('TOKEN_MISSING', 'token missing', { realm: settings.realm });
      }
      return authenticate(token);
    },
  });
}

/** The JSON error body every Portcullis part answers with. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/** The body for an error: its own message only when `expose` (status < 500); never a stack. */
export function errorBody(err: unknown): ErrorBody {
  if (isEngineClientError(err)) {
    return { statusCode: err.statusCode, code: err.code, error: STATUS_TEXT[err.statusCode] ?? 'Error', message: err.expose ? err.message : 'internal error' };
  }
  return { statusCode: 500, code: 'INTERNAL', error: 'Internal Server Error', message: 'internal error' };
}

/** Answer a refusal on a `node:http` response: status, the error's headers (WWW-Authenticate), JSON body. */
export function sendError(res: ServerResponse, err: unknown): void {
  const body = errorBody(err);
  if (isEngineClientError(err) && err.headers) for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
  res.statusCode = body.statusCode;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(body));
}
