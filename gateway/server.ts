import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { PortcullisConfig } from '@portcullis/config/schema/index.js';
import { createClientAddressResolver, clientAddressOf } from '@portcullis/engine-client/client-ip/index.js';
import { createAuthenticators } from './authenticators/registry.js';
import type { Authenticator, PasswordAuthenticator, RequestAuthenticator, RoutedAuthenticator } from './authenticators/types.js';
import type { GatewayContext } from './context.js';
import { errorHandler } from './http/error-handler.js';
import { lazyChildLoggerFactory } from './http/lazy-request-logger.js';
import { registerEntryRateLimit } from './http/entry-rate-limit.js';
import { registerLoginRoutes } from './login/login-routes.js';
import { registerLogoutRoutes } from './login/logout-routes.js';
import { LoginThrottle } from './login/throttle.js';
import { createLogger } from './logger.js';
import { registerRouteProxy, callerOf } from './proxy/route-proxy.js';
import { buildRouteChain, routeViewOf } from './proxy/route-chain.js';
import { registerPortalRoutes } from './http/portal-routes.js';
import { SessionManager } from './sessions/session-manager.js';
import { createStore } from './sessions/create-store.js';
import { jwksOf, loadSigningKeys, type SigningKeys } from './tokens/key-store.js';
import { TokenMinter } from './tokens/minter.js';
import { GatewayError } from './errors.js';
import { isDemoEngineUpstream, startDemoEngine, type RunningDemoEngine } from './demo-engine/demo-engine.js';
import type { BuiltinFilterDeps } from '@portcullis/filters/builtin/index.js';
import { identityHeaderNames } from '@portcullis/filters/builtin/identity-headers.js';
import { filterRefsOf, loadFilterModules } from '@portcullis/filters/configured-chain.js';
import { richConditionCheck } from '@portcullis/filters/conditions.js';
import { headerAuthenticatorHeaders } from './authenticators/header/header-authenticator.js';

export interface GatewayOptions {
  /** folder of the configuration file; relative paths in it resolve from here */
  configDir: string;
  /** overrides config.server.dataDir */
  dataDir?: string;
  host?: string;
  port?: number;
  /** a ready logger (tests pass a silent or capturing one) */
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

export interface RunningGateway {
  app: FastifyInstance;
  context: GatewayContext;
  /** where the gateway listens, e.g. http://127.0.0.1:8080 */
  url: string;
  demoEngine?: RunningDemoEngine;
  close(): Promise<void>;
}

/** Build the gateway and start listening. With `demoEngine.enabled`, the demo engine starts first. */
export async function startGateway(config: PortcullisConfig, options: GatewayOptions): Promise<RunningGateway> {
  const host = options.host ?? config.server.host;
  const port = options.port ?? config.server.port;
  const listenPort = port === 0 ? await freePort(host) : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${listenPort}`;
  const log = options.logger ?? createLogger(config.logLevel);

  let demoEngine: RunningDemoEngine | undefined;
  if (config.demoEngine.enabled || config.routes.some((r) => isDemoEngineUpstream(r.upstream))) {
    const publicUrl = config.server.publicUrl ?? url;
    demoEngine = await startDemoEngine({
      port: config.demoEngine.port,
      issuer: config.tokens.issuer ?? publicUrl,
      audiences: config.routes.filter((r) => isDemoEngineUpstream(r.upstream)).map((r) => r.audience ?? r.name),
      jwksUrl: `${url}/.well-known/jwks.json`,
      logger: log.child({ component: 'demo-engine' }),
    });
  }
  let built: Awaited<ReturnType<typeof buildGateway>> | undefined;
  try {
    built = await buildGateway(config, { ...options, logger: log, publicUrlFallback: url, demoEngineUrl: demoEngine?.url });
    await built.app.listen({ host, port: listenPort });
    // authenticators with a listener of their own (mtls) start once the app is ready
    for (const a of built.context.authenticators.request) await a.listen?.(built.app);
  } catch (err) {
    await built?.app.close();
    await demoEngine?.close();
    throw err;
  }
  const { app, context } = built;
  return {
    app,
    context,
    url,
    demoEngine,
    async close() {
      await app.close();
      await demoEngine?.close();
    },
  };
}

export interface BuildOptions extends GatewayOptions {
  logger: Logger;
  /** the public URL when config.server.publicUrl is not set */
  publicUrlFallback: string;
  /** replaces demo-engine upstreams */
  demoEngineUrl?: string;
}

/** Build the fastify app of the gateway without listening (tests use inject on it). */
export async function buildGateway(config: PortcullisConfig, options: BuildOptions): Promise<{ app: FastifyInstance; context: GatewayContext }> {
  const env = options.env ?? process.env;
  const production = env.NODE_ENV === 'production';
  const log = options.logger;
  const dataDir = resolve(options.dataDir ?? config.server.dataDir);
  const publicUrl = config.server.publicUrl ?? options.publicUrlFallback;
  const secureCookies = publicUrl.startsWith('https:');

  const resolveAddress = createClientAddressResolver({ trustedProxies: config.server.trustedProxies }, 'server');
  const store = await createStore(config, options.configDir, env, log);
  const sessions = new SessionManager(store, { ...config.session, secureCookies });
  // Whatever fails from here on must not leave a Redis connection or a watcher behind.
  let keys: SigningKeys;
  let authenticators: Authenticator[];
  try {
    keys = await loadSigningKeys({
      keysDir: resolve(dataDir, 'keys'),
      algorithm: config.tokens.algorithm,
      privateKeyFile: config.tokens.privateKeyFile ? resolve(options.configDir, config.tokens.privateKeyFile) : undefined,
      generateIfMissing: true,
      production,
    });
    authenticators = await createAuthenticators(config.authenticators, {
      configDir: options.configDir,
      dataDir,
      publicUrl,
      log,
      sharedStore: store,
      loginThrottle: config.loginThrottle,
      clientAddress: (request) => clientAddressOf(request, resolveAddress).address,
    }, config.userMapping);
  } catch (err) {
    await store.close();
    throw err;
  }
  const minter = new TokenMinter(keys, {
    issuer: config.tokens.issuer ?? publicUrl,
    lifetimeSeconds: config.tokens.lifetimeSeconds,
    renewBeforeSeconds: config.tokens.renewBeforeSeconds,
    claimNames: config.tokens.claimNames,
  });

  const context: GatewayContext = {
    config,
    configDir: options.configDir,
    dataDir,
    publicUrl,
    secureCookies,
    log,
    store,
    sessions,
    throttle: new LoginThrottle(store, config.loginThrottle),
    minter,
    keys,
    authenticators: {
      all: authenticators,
      password: authenticators.filter((a): a is PasswordAuthenticator => a.kind === 'password'),
      routed: authenticators.filter((a): a is RoutedAuthenticator => a.kind === 'routed'),
      request: authenticators.filter((a): a is RequestAuthenticator => a.kind === 'request'),
    },
    clientAddress: (request) => clientAddressOf(request, resolveAddress).address,
  };

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: config.server.bodyLimit,
    trustProxy: false, // the client address is decided by our trusted-proxy list, never by hop count
    return503OnClosing: true,
    routerOptions: { maxParamLength: 500 },
  });
  app.setErrorHandler(errorHandler);
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: config.server.bodyLimit });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return jwksOf(keys);
  });
  await registerEntryRateLimit(app, context);
  const completion = registerLoginRoutes(app, context);
  registerLogoutRoutes(app, context);
  for (const routed of context.authenticators.routed) await routed.register(app, completion);
  registerPortalRoutes(app, context);

  const deps: BuiltinFilterDeps = {
    tokenHeader: config.tokens.header.toLowerCase(),
    tokenScheme: config.tokens.scheme,
    // names the gateway sets itself (identity-headers filters) or believes only from trusted proxies (header authenticators)
    identityHeaders: [
      ...headerAuthenticatorHeaders(config.authenticators),
      ...identityHeaderNames([...config.globalFilters, ...config.routes.flatMap((r) => r.filters)]),
    ],
    forwardedProto: () => new URL(publicUrl).protocol.replace(':', ''),
    counters: store, // rate-limit filters count in the session store: shared by every gateway on Redis
    configDir: options.configDir,
    tokenFor(ctx) {
      const caller = callerOf(ctx.request);
      if (!caller) throw new GatewayError('GW_INTERNAL', 500, 'token requested for a request without a caller');
      return (
        minter.cachedTokenFor(caller.cacheKey, ctx.route.audience) ??
        minter.tokenFor({ user: caller.user, audience: ctx.route.audience, sid: caller.sid, cacheKey: caller.cacheKey })
      );
    },
  };
  const refusal = {
    challenge: `Bearer realm="portcullis"`,
    loginUrl: (returnTo: string) => `/login?returnTo=${encodeURIComponent(returnTo)}`,
    stepUpUrl: (name: string, returnTo: string) => context.authenticators.routed.find((a) => a.name === name)?.loginUrl(returnTo),
  };
  // operator-named filter modules are imported once, before any chain is built
  const filterModules = await loadFilterModules(filterRefsOf(config), options.configDir);
  for (const route of config.routes) {
    const view = routeViewOf(route);
    if (route.policy.stepUp && !context.authenticators.routed.some((a) => a.name === route.policy.stepUp)) {
      throw new GatewayError('GW_CONFIG_INVALID', 500, `routes[${route.name}].policy.stepUp: no routed authenticator (saml) is named '${route.policy.stepUp}'`);
    }
    const upstream = isDemoEngineUpstream(route.upstream) ? demoUpstream(options.demoEngineUrl, route.name) : route.upstream;
    await registerRouteProxy(app, context, {
      route,
      view,
      chain: buildRouteChain(route, view, config.globalFilters, deps, filterModules),
      conditionCheck: richConditionCheck,
      upstream,
      refusal,
      gatewayCookies: [config.session.cookieName, 'portcullis_csrf'],
    });
  }

  app.addHook('onClose', async () => {
    for (const a of authenticators) await a.close?.();
    await store.close();
  });
  return { app, context };
}

function demoUpstream(url: string | undefined, route: string): string {
  if (!url) throw new GatewayError('GW_CONFIG_INVALID', 500, `routes[${route}].upstream: the demo engine is not running`);
  return url;
}

/** A free TCP port on the host, so the demo engine can learn the gateway's JWKS URL before the gateway listens. */
function freePort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
