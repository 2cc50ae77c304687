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
import { IdentityRequiredError, OptionsError, RoleRequiredError, TokenError } from './errors.js';
import { asFastifyPlugin } from './fastify-plugin.js';
import { createRequestAuthenticator, readToken, REQUEST_DEFAULTS, type RequestAuthenticatorOptions } from './http.js';
import type { ResolvedIdentityMapping } from './identity/options.js';
import { hasAnyRole } from './identity/roles.js';
import type { Identity } from './identity/types.js';
import { isPlainObject, join } from './options-check.js';
import type { TokenVerifier } from './token/verify.js';
import { requireAudience, routeAudience } from './token/audience.js';

/** Options of the plugin: the request path's options (verification, identity mapping, where the token is). */
export type EngineClientOptions = RequestAuthenticatorOptions;

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

/** Every default of the plugin, written out once (the request path's; verification: VERIFY_DEFAULTS, mapping: IDENTITY_DEFAULTS). */
export const PLUGIN_DEFAULTS = REQUEST_DEFAULTS;

/** keys fastify's register() itself understands; they may reach the plugin's options */
const REGISTER_KEYS = ['prefix', 'logLevel', 'logSerializers'];

export { readToken };

const engineClientPlugin: FastifyPluginAsync<EngineClientOptions> = async (fastify: FastifyInstance, options: EngineClientOptions) => {
  const auth = createRequestAuthenticator(options, {
    extraKeys: REGISTER_KEYS,
    onWarning: (warning) => fastify.log.warn({ code: warning.code }, warning.message),
  });
  const { verifier, identityMapping, authenticate } = auth;

  // per-route audiences, checked when the route is added so a typo fails at start-up
  const audiences = new WeakMap<object, readonly string[]>();
  fastify.addHook('onRoute', (route) => {
    const config = route.config?.engineClient;
    if (!isPlainObject(config) || config.audience === undefined) return;
    const list = routeAudience(config.audience, `routes[${route.url}].config.engineClient.audience`)!;
    const trusted = auth.audiences;
    const unknown = list.find((a) => !trusted.includes(a));
    if (unknown !== undefined) throw new OptionsError(`routes[${route.url}].config.engineClient.audience`, `'${unknown}' is not one of the plugin's audiences (${trusted.join(', ')})`);
    audiences.set(config, list);
  });

  fastify.decorateRequest('identity', null);
  fastify.decorate('engineClient', Object.freeze({ verifier, identityMapping, authenticate }));

  fastify.addHook('onRequest', async (request: FastifyRequest) => {
    const route = request.routeOptions.config?.engineClient;
    if (route === false) return;
    const required = isPlainObject(route) && typeof route.required === 'boolean' ? route.required : auth.required;
    const identity = await auth.identify(request, { required });
    const audience = identity && isPlainObject(route) ? audiences.get(route) : undefined;
    if (identity && audience) {
      try {
        requireAudience(identity.claims, audience);
      } catch (err) {
        throw err instanceof TokenError ? err.withRealm(auth.realm) : err;
      }
    }
    request.identity = identity;
  });
};

/** The plugin, not encapsulated: decorations are visible to the registering scope. */
export const engineClient = asFastifyPlugin(engineClientPlugin, 'portcullis-engine-client');

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
    if (!request.identity) throw new IdentityRequiredError();
    if (!hasAnyRole(request.identity, required)) throw new RoleRequiredError(required);
  };
}

export default engineClient;
