/**
 * The fastify plugin: verify the gateway's token on every request and put the caller's
 * identity on `request.identity`. A thin wrapper: the work is done by the framework-free
 * verifier (token/verify.ts) and mapper (identity/map.ts). This is the only file of
 * engine-client that knows fastify, and it imports fastify's types only.
 *
 *   app.register(engineClient, { issuer, audience, jwksUrl, identity: { userIdClaim: 'loginId' } })
 *   app.get('/admin', { preHandler: requireRoles('admin') }, handler)
 *   app.get('/healthz', { config: { engineClient: false } }, handler)   // no token needed
 *   app.get('/admin/*', { config: { engineClient: { audience: 'admin' } } }, handler)   // only the admin portal's tokens
 *
 * Refusals are thrown as coded errors and rendered by fastify's error handler: 401 with
 * `WWW-Authenticate` (it copies `err.headers`), body {statusCode, code, error, message}.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { OptionsError, RoleRequiredError, TokenError } from './errors.js';
import { mapIdentity } from './identity/map.js';
import { resolveIdentityMapping, type IdentityMappingOptions, type ResolvedIdentityMapping } from './identity/options.js';
import { hasAnyRole } from './identity/roles.js';
import type { Identity } from './identity/types.js';
import { checkKnownKeys, isPlainObject, join, optionalBoolean, optionalString, requireObject } from './options-check.js';
import { VERIFY_OPTION_KEYS, type VerifyOptions } from './token/options.js';
import { createTokenVerifier, type TokenVerifier } from './token/verify.js';
import { requireAudience, routeAudience } from './token/audience.js';

/** Options of the plugin: verification options plus identity mapping and where the token is. */
export interface EngineClientOptions extends VerifyOptions {
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

/**
 * Per-route setting: `false` skips the token entirely; `{ required }` overrides the plugin's;
 * `{ audience }` accepts only tokens minted for that audience (one of the plugin's), so one
 * engine serving several portals does not let a portal's token open another (401 TOKEN_WRONG_AUDIENCE).
 */
export type EngineClientRouteConfig = false | { required?: boolean; audience?: string | readonly string[] };

/** What the plugin puts on the fastify instance. */
export interface EngineClientDecoration {
  readonly verifier: TokenVerifier;
  readonly identityMapping: ResolvedIdentityMapping;
  /** verify a token and map it, as the hook does (for websockets, queues, ...) */
  authenticate(token: string): Promise<Identity>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the verified caller, or null (no token and not required, or a route with engineClient: false) */
    identity: Identity | null;
  }
  interface FastifyContextConfig {
    engineClient?: EngineClientRouteConfig;
  }
  interface FastifyInstance {
    engineClient: EngineClientDecoration;
  }
}

/** Every default of the plugin, written out once (verification: VERIFY_DEFAULTS, mapping: IDENTITY_DEFAULTS). */
export const PLUGIN_DEFAULTS = Object.freeze({
  /** the gateway's default (config tokens.header) */
  tokenHeader: 'authorization',
  /** the gateway's default (config tokens.scheme) */
  tokenScheme: 'Bearer',
  /** secure by default: no token, no entry */
  required: true,
  realm: undefined as string | undefined,
});

const PLUGIN_KEYS = ['identity', ...Object.keys(PLUGIN_DEFAULTS)];
/** keys fastify's register() itself understands; they may reach the plugin's options */
const REGISTER_KEYS = ['prefix', 'logLevel', 'logSerializers'];

/** Take the token out of the header value; undefined when there is none for our scheme. */
export function readToken(value: string | string[] | undefined, scheme: string): string | undefined {
  if (Array.isArray(value)) value = value.length === 1 ? value[0] : undefined;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (scheme === '') return trimmed === '' ? undefined : trimmed;
  const space = trimmed.indexOf(' ');
  if (space < 0 || trimmed.slice(0, space).toLowerCase() !== scheme.toLowerCase()) return undefined;
  const token = trimmed.slice(space + 1).trim();
  return token === '' ? undefined : token;
}

function splitOptions(options: EngineClientOptions) {
  const all = requireObject(options, 'options');
  checkKnownKeys(all, [...PLUGIN_KEYS, ...VERIFY_OPTION_KEYS], '', REGISTER_KEYS);
  const verifyOptions: Record<string, unknown> = {};
  for (const key of VERIFY_OPTION_KEYS) if (all[key] !== undefined) verifyOptions[key] = all[key];
  const tokenHeader = optionalString(all.tokenHeader, 'tokenHeader', PLUGIN_DEFAULTS.tokenHeader).toLowerCase();
  if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(tokenHeader)) throw new OptionsError('tokenHeader', 'must be a valid header name');
  if (all.tokenScheme !== undefined && (typeof all.tokenScheme !== 'string' || /\s/.test(all.tokenScheme))) {
    throw new OptionsError('tokenScheme', "must be a scheme name like 'Bearer', or '' for the bare token");
  }
  const realm = all.realm === undefined ? undefined : optionalString(all.realm, 'realm', '');
  return {
    verifyOptions: verifyOptions as unknown as VerifyOptions,
    identity: resolveIdentityMapping((all.identity ?? {}) as IdentityMappingOptions, 'identity'),
    tokenHeader,
    tokenScheme: (all.tokenScheme as string | undefined) ?? PLUGIN_DEFAULTS.tokenScheme,
    required: optionalBoolean(all.required, 'required', PLUGIN_DEFAULTS.required),
    realm,
  };
}

const engineClientPlugin: FastifyPluginAsync<EngineClientOptions> = async (fastify: FastifyInstance, options: EngineClientOptions) => {
  const settings = splitOptions(options);
  const verifier = createTokenVerifier({
    ...settings.verifyOptions,
    onWarning: settings.verifyOptions.onWarning ?? ((warning) => fastify.log.warn({ code: warning.code }, warning.message)),
  });
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

  // per-route audiences, checked when the route is added so a typo fails at start-up
  const audiences = new WeakMap<object, readonly string[]>();
  fastify.addHook('onRoute', (route) => {
    const config = route.config?.engineClient;
    if (!isPlainObject(config) || config.audience === undefined) return;
    const list = routeAudience(config.audience, `routes[${route.url}].config.engineClient.audience`)!;
    const trusted = createdAudiences(settings.verifyOptions.audience);
    const unknown = list.find((a) => !trusted.includes(a));
    if (unknown !== undefined) throw new OptionsError(`routes[${route.url}].config.engineClient.audience`, `'${unknown}' is not one of the plugin's audiences (${trusted.join(', ')})`);
    audiences.set(config, list);
  });

  fastify.decorateRequest('identity', null);
  fastify.decorate('engineClient', Object.freeze({ verifier, identityMapping: settings.identity, authenticate }));

  fastify.addHook('onRequest', async (request: FastifyRequest) => {
    const route = request.routeOptions.config?.engineClient;
    if (route === false) return;
    const required = isPlainObject(route) && typeof route.required === 'boolean' ? route.required : settings.required;
    const token = readToken(request.headers[settings.tokenHeader], settings.tokenScheme);
    if (token === undefined) {
      if (!required) return;
      throw new TokenError('TOKEN_MISSING', 'token missing', { realm: settings.realm });
    }
    const identity = await authenticate(token);
    const audience = isPlainObject(route) ? audiences.get(route) : undefined;
    if (audience) {
      try {
        requireAudience(identity.claims, audience);
      } catch (err) {
        throw err instanceof TokenError ? err.withRealm(settings.realm) : err;
      }
    }
    request.identity = identity;
  });
};

function createdAudiences(audience: string | readonly string[]): readonly string[] {
  return typeof audience === 'string' ? [audience] : audience;
}

/** The plugin (fastify-plugin: decorations are visible to the registering scope). */
export const engineClient = fp(engineClientPlugin, {
  fastify: '5.x',
  name: 'portcullis-engine-client',
});

/**
 * A preHandler that lets through only callers with at least one of `roles` (401 without an
 * identity, 403 ROLE_REQUIRED naming the roles otherwise).
 */
export function requireRoles(...roles: string[]): (request: FastifyRequest) => Promise<void> {
  if (roles.length === 0) throw new OptionsError('requireRoles', 'name at least one role');
  roles.forEach((role, index) => {
    if (typeof role !== 'string' || role === '') throw new OptionsError(join('requireRoles', index), 'must be a non-empty role name');
  });
  const required = Object.freeze([...roles]);
  return async function requireRolesHandler(request: FastifyRequest) {
    if (!request.identity) throw new TokenError('TOKEN_MISSING', 'token missing');
    if (!hasAnyRole(request.identity, required)) throw new RoleRequiredError(required);
  };
}

export default engineClient;
