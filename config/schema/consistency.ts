import type { z } from 'zod';

/**
 * Rules that span several options, checked after each option is valid on its own. Each
 * problem names the option to change. Kept beside the schema so every parse applies them;
 * attached with `when: no issues so far`, so these rules only ever see well-typed options.
 */

interface CheckedConfig {
  session: { idleTimeoutSeconds: number; absoluteTimeoutSeconds: number };
  tokens: { lifetimeSeconds: number; renewBeforeSeconds: number };
  authenticators: Array<{ name: string; type: string }>;
  routes: Array<{ name: string; prefix: string; upstream?: string; host?: string; policy?: { stepUp?: string | undefined } }>;
  forwardAuth: { enabled: boolean; trustedProxies: string[]; cacheSeconds: number; socket?: string };
  vault?: { masterKeys: unknown[]; demoKey: boolean };
  globalFilters?: Array<{ use: string }>;
}

type Ctx = z.core.$RefinementCtx<CheckedConfig>;

function firstIndexBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    if (!seen.has(key(item))) seen.set(key(item), i);
  });
  return seen;
}

function unique<T>(ctx: Ctx, items: readonly T[], list: string, field: string, key: (item: T) => string, what: string): void {
  const first = firstIndexBy(items, key);
  items.forEach((item, i) => {
    const j = first.get(key(item))!;
    if (j !== i) ctx.addIssue({ code: 'custom', path: [list, i, field], message: `duplicate ${what} "${key(item)}" (also ${list}[${j}])`, input: key(item) });
  });
}

export function checkConsistency(config: CheckedConfig, ctx: Ctx): void {
  if (config.session.absoluteTimeoutSeconds < config.session.idleTimeoutSeconds) {
    ctx.addIssue({
      code: 'custom',
      path: ['session', 'absoluteTimeoutSeconds'],
      message: `must be at least session.idleTimeoutSeconds (${config.session.idleTimeoutSeconds})`,
      input: config.session.absoluteTimeoutSeconds,
    });
  }
  if (config.tokens.renewBeforeSeconds >= config.tokens.lifetimeSeconds) {
    ctx.addIssue({
      code: 'custom',
      path: ['tokens', 'renewBeforeSeconds'],
      message: `must be less than tokens.lifetimeSeconds (${config.tokens.lifetimeSeconds})`,
      input: config.tokens.renewBeforeSeconds,
    });
  }
  unique(ctx, config.authenticators, 'authenticators', 'name', (a) => a.name, 'authenticator name');
  unique(ctx, config.routes, 'routes', 'name', (r) => r.name, 'route name');
  unique(ctx, config.routes, 'routes', 'prefix', (r) => (r.host ? `${r.prefix} on host ${r.host}` : r.prefix), 'route prefix');
  checkForwardAuth(config, ctx);
  checkVaultNeeded(config, ctx);
  config.routes.forEach((route, i) => {
    if (route.upstream === undefined) return;
    const url = new URL(route.upstream);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', path: ['routes', i, 'upstream'], message: 'must be an http:// or https:// URL', input: route.upstream });
    }
    // a step-up goes to a routed authenticator; whether a module is one, start-up checks
    const stepUp = route.policy?.stepUp;
    if (stepUp !== undefined && !config.authenticators.some((a) => a.name === stepUp && ROUTED_TYPES.has(a.type))) {
      ctx.addIssue({ code: 'custom', path: ['routes', i, 'policy', 'stepUp'], message: `no routed authenticator (saml, oidc) is named '${stepUp}'`, input: stepUp });
    }
  });
}

/** the authenticator types that log in by a redirect and can therefore be a step-up */
const ROUTED_TYPES: ReadonlySet<string> = new Set(['saml', 'oidc', 'module']);

function checkForwardAuth(config: CheckedConfig, ctx: Ctx): void {
  const fa = config.forwardAuth;
  if (fa.socket !== undefined && !fa.enabled) {
    ctx.addIssue({ code: 'custom', path: ['forwardAuth', 'socket'], message: 'serves the verify endpoint: set forwardAuth.enabled to true, or remove the socket', input: fa.socket });
  }
  // a proxy on the socket is trusted by the file's permissions: it need not be named
  if (fa.enabled && fa.trustedProxies.length === 0 && fa.socket === undefined) {
    ctx.addIssue({ code: 'custom', path: ['forwardAuth', 'trustedProxies'], message: 'name the proxies allowed to ask the verify endpoint (or give forwardAuth.socket for a proxy on this host)', input: fa.trustedProxies });
  }
  // a cached answer carries the token: it must not outlive the token's renewal window
  if (fa.cacheSeconds >= config.tokens.renewBeforeSeconds) {
    ctx.addIssue({
      code: 'custom',
      path: ['forwardAuth', 'cacheSeconds'],
      message: `must be less than tokens.renewBeforeSeconds (${config.tokens.renewBeforeSeconds}), so a cached answer never carries an expired token`,
      input: fa.cacheSeconds,
    });
  }
  config.routes.forEach((route, i) => {
    if (route.upstream === undefined && !fa.enabled) {
      ctx.addIssue({ code: 'custom', path: ['routes', i, 'upstream'], message: 'is required unless forwardAuth.enabled is true (a route without upstream serves forward authentication only)', input: undefined });
    }
    if (route.host !== undefined && route.upstream !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['routes', i, 'host'], message: 'matches forward-authentication requests only: remove upstream, or match by prefix', input: route.host });
    }
  });
}

/** A `credentials` filter reads the vault: without a master key the gateway could not start. */
function checkVaultNeeded(config: CheckedConfig, ctx: Ctx): void {
  if (!config.vault || config.vault.masterKeys.length > 0 || config.vault.demoKey) return;
  const uses = (filters: unknown) => Array.isArray(filters) && filters.some((f) => (f as { use?: string }).use === 'credentials');
  const global = uses(config.globalFilters);
  config.routes.forEach((route, i) => {
    if (global || uses((route as { filters?: unknown }).filters)) {
      ctx.addIssue({ code: 'custom', path: ['routes', i, 'filters'], message: "the 'credentials' filter needs the vault: configure vault.masterKeys (or vault.demoKey for a demo)" });
    }
  });
}
