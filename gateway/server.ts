import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { PortcullisConfig } from '@portcullis/config/schema/index.js';
import { createClientAddressResolver, clientAddressOf } from '@portcullis/engine-client/client-ip';
import { createAuthenticators } from './authenticators/registry.js';
import type { Authenticator, PasswordAuthenticator, RequestAuthenticator, RoutedAuthenticator } from './authenticators/types.js';
import type { GatewayContext } from './context.js';
import { errorHandler } from './http/error-handler.js';
import { createRequestIdGenerator, registerRequestIdHeader } from './http/request-id.js';
import { lazyChildLoggerFactory } from './http/lazy-request-logger.js';
import { registerEntryRateLimit } from './http/entry-rate-limit.js';
import { registerBodyDeadline } from './http/body-deadline.js';
import { registerLoginRoutes } from './login/login-routes.js';
import { registerLogoutRoutes } from './login/logout-routes.js';
import { LoginThrottle } from './login/throttle.js';
import { createLogger } from './logger.js';
import { registerRouteProxy } from './proxy/route-proxy.js';
import { buildRouteChain, routeViewOf } from './proxy/route-chain.js';
import { registerPortalRoutes } from './http/portal-routes.js';
import { PortalDirectory } from './http/portal-access.js';
import { registerAccountRoutes } from './account/account-routes.js';
import { whoAmISection } from './account/who-section.js';
import { sessionsSection } from './account/sessions-section.js';
import { Pages, registerPages } from './pages/pages.js';
import { resolveBranding } from './pages/branding.js';
import { loadTemplates } from './pages/templates.js';
import { SessionManager } from './sessions/session-manager.js';
import { SessionRecheck } from './sessions/session-recheck.js';
import { createStore } from './sessions/create-store.js';
import { jwksOf, loadSigningKeys, type SigningKeys } from './tokens/key-store.js';
import { TokenMinter } from './tokens/minter.js';
import { KeyRotation } from './tokens/key-rotation.js';
import { GatewayError } from './errors.js';
import { isDemoEngineUpstream, startDemoEngine, type RunningDemoEngine } from './demo-engine/demo-engine.js';
import type { BuiltinFilterDeps } from '@portcullis/filters/builtin/index.js';
import { identityHeaderNames } from '@portcullis/filters/builtin/identity-headers.js';
import { filterRefsOf, loadFilterModules } from '@portcullis/filters/configured-chain.js';
import { richConditionCheck } from '@portcullis/filters/conditions.js';
import { headerAuthenticatorHeaders } from './authenticators/header/header-authenticator.js';
import { routeDecider } from './http/route-decision.js';
import { forwardAuthChain, registerForwardAuth, type ForwardAuthRoute } from './forward-auth/verify-endpoint.js';
import { registerRequestGuard, rewriteToCanonical } from './http/request-guard.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { ClientHeaderStripper } from './proxy/header-stripping.js';
import { sessionCookieName } from './sessions/session-cookie.js';
import { resolveSecret } from '@portcullis/config/secrets.js';
import type { ExpiringStore } from './sessions/store.js';
import { createMetrics, disabledMetrics, type Metrics } from './ops/metrics.js';
import { gatewayInstruments, instrumentStore, registerLdapPoolGauge, registerRequestMetrics } from './ops/gateway-metrics.js';
import { MainListener, type LocalSocketOptions } from './ops/main-listener.js';
import { servesVerify } from './forward-auth/verify-paths.js';
import { startMetricsServer, type MetricsServer } from './ops/metrics-server.js';
import { registerReadiness } from './ops/readiness.js';
import { createRunningGateway, type GatewayRuntime, type Lifecycle } from './ops/running-gateway.js';
import { loadTlsOptions } from './ops/tls-files.js';
import { createDurableStore } from './durable/create-durable-store.js';
import type { DurableStore } from './durable/store.js';
import { approvalRoutesOf, setupApprovals } from './approvals/setup-approvals.js';
import { SILENT_NOTIFIER } from './notifications/events.js';
import { setupNotifications, type Notifications } from './notifications/setup-notifications.js';
import type { LockoutListener } from './login/throttle.js';
import { createVault, credentialsAccountSection, filterCredentials, wireVault } from './vault/create-vault.js';
import type { Vault } from './vault/vault.js';
import { credentialHeaderNames } from '@portcullis/filters/builtin/credentials.js';

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
  /** the durable store to use instead of the configured one (tests share one between gateways); the caller closes it */
  durable?: DurableStore;
}

export interface RunningGateway extends GatewayRuntime {
  demoEngine?: RunningDemoEngine;
  /** where Prometheus scrapes, when `metrics.enabled` */
  metricsUrl?: string;
  /** drain and stop, like SIGTERM (settings default to `server.shutdown`) */
  close(): Promise<void>;
}

/** Build the gateway and start listening. With `demoEngine.enabled`, the demo engine starts first. */
export async function startGateway(config: PortcullisConfig, options: GatewayOptions): Promise<RunningGateway> {
  const host = options.host ?? config.server.host;
  const port = options.port ?? config.server.port;
  const listenPort = port === 0 ? await freePort(host) : port;
  const scheme = config.server.tls ? 'https' : 'http';
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${listenPort}`;
  const log = options.logger ?? createLogger(config.logLevel);
  const env = options.env ?? process.env;
  const metrics = config.metrics.enabled ? createMetrics() : disabledMetrics();
  const lifecycle: Lifecycle = { draining: false };

  let demoEngine: RunningDemoEngine | undefined;
  if (config.demoEngine.enabled || config.routes.some((r) => isDemoEngineUpstream(r.upstream))) {
    const publicUrl = config.server.publicUrl ?? url;
    demoEngine = await startDemoEngine({
      port: config.demoEngine.port,
      issuer: config.tokens.issuer ?? publicUrl,
      audiences: config.routes.filter((r) => isDemoEngineUpstream(r.upstream)).map((r) => r.audience ?? r.name),
      portalAudiences: demoPortalAudiences(config.routes),
      jwksUrl: `${url}/.well-known/jwks.json`,
      logger: log.child({ component: 'demo-engine' }),
    });
  }
  const buildOptions = (c: PortcullisConfig): BuildOptions => ({ ...options, logger: log, publicUrlFallback: url, demoEngineUrl: demoEngine?.url, metrics, lifecycle, env });
  let built: Awaited<ReturnType<typeof buildGateway>> | undefined;
  let listener: MainListener | undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    built = await buildGateway(config, buildOptions(config));
    const tls = config.server.tls ? { ...(await loadTlsOptions(config.server.tls, options.configDir, await tlsPassphrase(config, options.configDir, env))), http2: config.server.tls.http2 } : undefined;
    listener = await MainListener.start(built.app, {
      host,
      port: listenPort,
      tls,
      log,
      websockets: metrics.gauge('websocket_connections', 'Open websocket connections through the gateway', []),
      socket: forwardAuthSocket(config),
    });
    if (config.metrics.enabled) metricsServer = await startMetricsServer(metrics, { ...config.metrics, log });
    // authenticators with a listener of their own (mtls) start once the app is ready
    for (const a of built.context.authenticators.request) await a.listen?.(built.app);
  } catch (err) {
    await listener?.drain(0);
    await built?.app.close();
    await metricsServer?.close();
    await demoEngine?.close();
    throw err;
  }
  const running = createRunningGateway({
    built,
    listener,
    lifecycle,
    log,
    configDir: options.configDir,
    env,
    rebuild: (c, store) => buildGateway(c, { ...buildOptions(c), ...(store ? { store } : {}) }),
    async afterStop() {
      await metricsServer?.close();
      await demoEngine?.close();
    },
  });
  return Object.assign(running, {
    demoEngine,
    metricsUrl: metricsServer?.url,
    async close() {
      await running.shutdown();
    },
  });
}

/** The Unix socket forward authentication also answers on, when configured: the verify endpoint's paths only. */
function forwardAuthSocket(config: PortcullisConfig): LocalSocketOptions | undefined {
  const fa = config.forwardAuth;
  if (!fa.enabled || fa.socket === undefined) return undefined;
  return { path: fa.socket, mode: parseInt(fa.socketMode, 8), serves: (url) => servesVerify(fa.path, url) };
}

async function tlsPassphrase(config: PortcullisConfig, configDir: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const ref = config.server.tls?.keyPassphrase;
  return ref ? resolveSecret(ref, { configDir, env }) : undefined;
}

export interface BuildOptions extends GatewayOptions {
  logger: Logger;
  /** the public URL when config.server.publicUrl is not set */
  publicUrlFallback: string;
  /** replaces demo-engine upstreams */
  demoEngineUrl?: string;
  /** the instruments (no-ops when metrics are off); one set for every app a reload builds */
  metrics?: Metrics;
  /** /readyz turns red when `draining` is set */
  lifecycle?: Lifecycle;
  /** a store to reuse (a reload that keeps sessions); the new app owns it from then on */
  store?: ExpiringStore;
}

/** Build the fastify app of the gateway without listening (tests use inject on it). */
export async function buildGateway(config: PortcullisConfig, options: BuildOptions): Promise<{ app: FastifyInstance; context: GatewayContext; handOverStore(): void }> {
  const env = options.env ?? process.env;
  const production = env.NODE_ENV === 'production';
  const log = options.logger;
  const dataDir = resolve(options.dataDir ?? config.server.dataDir);
  const publicUrl = config.server.publicUrl ?? options.publicUrlFallback;
  const secureCookies = publicUrl.startsWith('https:');
  // the pages' look is checked before anything opens a connection: a bad template stops the start here
  const branding = await resolveBranding(config.pages, options.configDir, log);
  const pages = new Pages(await loadTemplates(config.pages.templatesDir ? resolve(options.configDir, config.pages.templatesDir) : undefined), branding);

  const resolveAddress = createClientAddressResolver({ trustedProxies: config.server.trustedProxies }, 'server');
  const metrics = options.metrics ?? disabledMetrics();
  const instruments = gatewayInstruments(metrics);
  const createdStore = !options.store;
  const rawStore = options.store ?? (await createStore(config, options.configDir, env, log));
  const store = metrics.enabled && createdStore ? instrumentStore(rawStore, instruments) : rawStore;
  // a reload hands the store to the next app; this one then leaves it open when it closes
  let ownsStore = true;
  const cookieName = sessionCookieName(config.session.cookieName, secureCookies);
  const sessions = new SessionManager(store, { ...config.session, cookieName, secureCookies, clientAddress: (request) => clientAddressOf(request, resolveAddress).address });
  // Whatever fails from here on must not leave a Redis connection or a watcher behind.
  let keys: SigningKeys;
  let authenticators: Authenticator[];
  let durable: DurableStore | undefined;
  let vault: Vault | undefined;
  let notifications: Notifications | undefined;
  // a lockout is mailed to the account's owner (when mail is on); it never holds up the login answer
  const onLockout: LockoutListener = (login, seconds, address) => void notifications?.service.lockedOut(login, seconds, address);
  // a durable store handed in (tests: several gateways on one) belongs to the caller
  const ownsDurable = !options.durable;
  try {
    durable = options.durable ?? (await createDurableStore(config, dataDir, { configDir: options.configDir, env, log }));
    vault = await createVault({ config, configDir: options.configDir, dataDir, log }, durable, env);
    notifications = await setupNotifications(config, { durable, configDir: options.configDir, publicUrl, log, env, instruments });
    // the owner hears of a credential added or removed, whoever did it (a stolen session, an administrator)
    const mail = notifications?.service;
    if (vault && mail) {
      vault.onChange(({ owner, key, kind, who }) =>
        void mail.notify({ type: kind === 'added' ? 'credential-added' : 'credential-removed', to: [owner], data: { 'credential.name': key, 'credential.service': who.engine ?? who.via } }),
      );
    }
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
      storeShared: config.session.store !== 'memory',
      onLockout,
      countLogin: (authenticator, result) => instruments.logins.inc({ authenticator, result }),
    }, config.userMapping);
  } catch (err) {
    if (ownsDurable) await durable?.close();
    if (createdStore) await store.close();
    throw err;
  }
  const minter = new TokenMinter(keys, {
    issuer: config.tokens.issuer ?? publicUrl,
    lifetimeSeconds: config.tokens.lifetimeSeconds,
    renewBeforeSeconds: config.tokens.renewBeforeSeconds,
    claimNames: config.tokens.claimNames,
  });

  // keys from the keys folder rotate live (`keys generate`); an operator's privateKeyFile does not
  const keysDir = resolve(dataDir, 'keys');
  const rotation = config.tokens.privateKeyFile
    ? undefined
    : new KeyRotation(keys, {
        keysDir,
        leadSeconds: config.tokens.keyLeadSeconds,
        load: () => loadSigningKeys({ keysDir, algorithm: config.tokens.algorithm, generateIfMissing: false, production }),
        onSign: (next) => minter.useKeys(next),
        log,
      });
  rotation?.start();

  const context: GatewayContext = {
    config,
    configDir: options.configDir,
    dataDir,
    publicUrl,
    secureCookies,
    log,
    store,
    durable,
    sessions,
    throttle: new LoginThrottle(store, config.loginThrottle, Date.now, onLockout),
    minter,
    keys,
    authenticators: {
      all: authenticators,
      password: authenticators.filter((a): a is PasswordAuthenticator => a.kind === 'password'),
      routed: authenticators.filter((a): a is RoutedAuthenticator => a.kind === 'routed'),
      request: authenticators.filter((a): a is RequestAuthenticator => a.kind === 'request'),
    },
    clientAddress: (request) => clientAddressOf(request, resolveAddress).address,
    instruments,
    accountSections: [],
    notifier: notifications?.service ?? SILENT_NOTIFIER,
    ...(notifications ? { notifications: notifications.service } : {}),
    sessionRecheck: new SessionRecheck({
      sessions,
      authenticators: authenticators.filter((a): a is PasswordAuthenticator => a.kind === 'password'),
      intervalSeconds: config.session.recheckSeconds,
      onChange: (session) => minter.forget(session.sid),
    }),
  };

  if (vault) context.accountSections.push(credentialsAccountSection(context, vault));

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: config.server.bodyLimit,
    trustProxy: false, // the client address is decided by our trusted-proxy list, never by hop count
    return503OnClosing: true,
    // every path is canonical before routing; matching ignores case (docs/request-hardening.md)
    rewriteUrl: rewriteToCanonical(config.server.maxPathLength),
    routerOptions: { maxParamLength: 500, caseSensitive: false },
    genReqId: createRequestIdGenerator(config.server.trustedProxies),
    requestIdHeader: false, // decided by genReqId: only a trusted proxy's id is believed
    // a request (headers and body) must arrive within this bound: a body trickled at 1 byte/s is cut
    requestTimeout: config.server.requestTimeoutSeconds * 1000,
    http: { connectionsCheckingInterval: 1000 },
  });
  registerBodyDeadline(app, config.server.requestTimeoutSeconds);
  app.setErrorHandler(errorHandler);
  registerRequestIdHeader(app);
  registerRequestGuard(app, {
    maxPathLength: config.server.maxPathLength,
    publicUrl,
    listenUrl: options.publicUrlFallback,
    allowedHosts: config.server.allowedHosts,
    foreignHostPaths: config.forwardAuth.enabled ? [config.forwardAuth.path] : [],
  });
  registerSecurityHeaders(app, { https: secureCookies, ...(branding.imageOrigin ? { imageSources: [branding.imageOrigin] } : {}) });
  registerPages(app, pages);
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: config.server.bodyLimit });

  notifications?.attach(app, context);
  app.get('/healthz', async () => ({ status: 'ok' }));
  const lifecycle = options.lifecycle ?? { draining: false };
  registerReadiness(app, { store, durable, keys, authenticators }, () => lifecycle.draining);
  if (metrics.enabled) {
    registerRequestMetrics(app, instruments, new Map(config.routes.map((r) => [r.prefix, r.name])));
    registerLdapPoolGauge(metrics, authenticators);
  }
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return rotation ? rotation.jwks() : jwksOf(keys);
  });
  registerEntryRateLimit(app, context);
  const portals = new PortalDirectory(richConditionCheck, new URL(publicUrl).protocol.replace(':', ''));
  wireVault(app, context, vault, () => (rotation ? rotation.jwks() : jwksOf(keys)), config.tokens.issuer ?? publicUrl, () => portals);
  const completion = registerLoginRoutes(app, context);
  registerLogoutRoutes(app, context);
  for (const routed of context.authenticators.routed) await routed.register(app, completion);
  registerPortalRoutes(app, context, portals);

  const publicProto = new URL(publicUrl).protocol.replace(':', '');
  const identityHeaders = [
    ...headerAuthenticatorHeaders(config.authenticators),
    ...identityHeaderNames([...config.globalFilters, ...config.routes.flatMap((r) => r.filters)]),
    ...credentialHeaderNames([...config.globalFilters, ...config.routes.flatMap((r) => r.filters)]),
  ];
  const stripper = new ClientHeaderStripper([config.tokens.header, ...identityHeaders, ...config.server.stripHeaders]);
  const deps: BuiltinFilterDeps = {
    tokenHeader: config.tokens.header.toLowerCase(),
    tokenScheme: config.tokens.scheme,
    // names the gateway sets itself (identity-headers filters) or believes only from trusted proxies (header authenticators)
    identityHeaders,
    forwardedProto: () => publicProto, // parsed once: this runs on every proxied request
    counters: store, // rate-limit filters count in the session store: shared by every gateway on Redis
    configDir: options.configDir,
    credentials: filterCredentials(vault),
    tokenFor(ctx) {
      const caller = ctx.caller;
      if (!caller) throw new GatewayError('GW_INTERNAL', 500, 'token requested for a request without a caller');
      const cached = minter.cachedTokenFor(caller.cacheKey, ctx.route.audience);
      const audience = { audience: ctx.route.audience };
      if (cached) {
        instruments.tokenCacheHits.inc(audience);
        return cached;
      }
      instruments.tokensMinted.inc(audience);
      return minter.tokenFor({ user: caller.subject, audience: ctx.route.audience, sid: caller.sid, cacheKey: caller.cacheKey });
    },
  };
  // held requests live in the durable store: approvals are the gateway's own, not a filter's
  let approvals: Awaited<ReturnType<typeof setupApprovals>> | undefined;
  if (approvalRoutesOf(config).length > 0) {
    deps.approvals = approvals = await setupApprovals(app, context, config, {
      durable,
      notifier: context.notifier,
      ...(notifications ? { approversOf: (a: { roles: string[]; groups: string[]; users: string[] }) => notifications!.service.profiles.matching(a) } : {}),
      upstreamOf: (route) => (isDemoEngineUpstream(route.upstream) ? demoUpstream(options.demoEngineUrl, route.name) : route.upstream!),
    });
  }
  const refusal = {
    challenge: `Bearer realm="portcullis"`,
    loginUrl: (returnTo: string) => `/login?returnTo=${encodeURIComponent(returnTo)}`,
    stepUpUrl: (name: string, returnTo: string) => {
      const routed = context.authenticators.routed.find((a) => a.name === name);
      return routed?.stepUpUrl?.(returnTo) ?? routed?.loginUrl(returnTo);
    },
  };
  // operator-named filter modules are imported once, before any chain is built
  const filterModules = await loadFilterModules(filterRefsOf(config), options.configDir);
  const forwardAuthRoutes: ForwardAuthRoute[] = [];
  for (const route of config.routes) {
    const view = routeViewOf(route);
    if (route.policy.stepUp && !context.authenticators.routed.some((a) => a.name === route.policy.stepUp)) {
      throw new GatewayError('GW_CONFIG_INVALID', 500, `routes[${route.name}].policy.stepUp: no routed authenticator (saml, oidc) is named '${route.policy.stepUp}'`);
    }
    const chain = buildRouteChain(route, view, config.globalFilters, deps, filterModules);
    portals.add(route, view, chain);
    if (config.forwardAuth.enabled) {
      forwardAuthRoutes.push({ route, view, chain, decider: routeDecider(context, view, forwardAuthChain(chain), richConditionCheck) });
    }
    if (route.upstream === undefined) continue; // forward authentication only
    const upstream = isDemoEngineUpstream(route.upstream) ? demoUpstream(options.demoEngineUrl, route.name) : route.upstream;
    await registerRouteProxy(app, context, {
      route,
      view,
      chain,
      conditionCheck: richConditionCheck,
      upstream,
      refusal,
      // the unprefixed name too: a cookie of that name is never the session, and never the engine's
      gatewayCookies: [cookieName, config.session.cookieName, 'portcullis_csrf'],
      stripper,
    });
  }
  if (config.forwardAuth.enabled) {
    await registerForwardAuth(app, context, { config: config.forwardAuth, serverTrustedProxies: config.server.trustedProxies, routes: forwardAuthRoutes, refusal });
  }

  // features push their sections onto context.accountSections above this line; the page is put together here
  context.accountSections.push(whoAmISection(context, portals), sessionsSection(context));
  await registerAccountRoutes(app, context, portals);

  app.addHook('onClose', async () => {
    rotation?.close();
    for (const a of authenticators) await a.close?.();
    // what approvals and mail are writing goes to the durable store before it closes
    await approvals?.shutdown();
    await notifications?.close();
    if (ownsDurable) await durable.close();
    if (ownsStore) await store.close();
  });
  return { app, context, handOverStore: () => void (ownsStore = false) };
}

/** Which route audiences lead to each demo portal (by the portal's path prefix). */
function demoPortalAudiences(routes: PortcullisConfig['routes']): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const route of routes) {
    if (!isDemoEngineUpstream(route.upstream)) continue;
    const portal = route.prefix === '/app/' ? 'app' : route.prefix === '/admin/' ? 'admin' : undefined;
    if (portal) (out[portal] ??= []).push(route.audience ?? route.name);
  }
  return out;
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
