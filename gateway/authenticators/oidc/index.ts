import * as client from 'openid-client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OidcAuthenticatorConfig } from '@portcullis/config/schema/oidc.js';
import { OIDC_DEFAULTS } from '@portcullis/config/schema/oidc.js';
import { escapeHtml } from '../../pages/html.js';
import { pagesOf } from '../../pages/pages.js';
import { messagePageFor } from '../../pages/message-page.js';
import type { AuthenticatedUser, AuthenticatorContext, LoginCompletion, RoutedAuthenticator } from '../types.js';
import type { BrowserBinding } from '../routed/browser-binding.js';
import { replyRoutedLoginFailed } from '../routed/login-failure.js';
import { BackchannelLogout, rememberSessionLinks } from './backchannel-logout.js';
import { finishLogin, startLogin } from './login-flow.js';
import type { LoginFlowDeps } from './login-flow.js';
import { ProviderClient } from './provider-client.js';
import { SessionRefresher } from './session-refresh.js';
import { providerPaths, resolveOidcSettings } from './settings.js';
import type { ResolvedOidc } from './settings.js';
import { TokenBox } from './token-box.js';
import { oidcDataOf } from './user-mapping.js';

export { OIDC_ERROR_CODES, OidcError, OidcConfigError, OidcRefusedError, OidcProviderUnavailableError } from './errors.js';

export const OIDC_BINDING_COOKIE = 'portcullis_oidc';
const LOGIN_PATH = `${OIDC_DEFAULTS.basePath}/login`;

type Query = Record<string, string | string[] | undefined>;

/**
 * The gateway as an OpenID Connect relying party (openid-client): discovery, code flow with
 * PKCE, state and nonce bound to the browser, full ID token checks, claims and groups to the
 * user, acr/amr levels and step-up, RP-initiated and back-channel logout, and refresh tokens
 * (sealed) that keep the session's groups fresh.
 */
export class OidcAuthenticator implements RoutedAuthenticator {
  readonly kind = 'routed' as const;
  readonly type = 'oidc';
  readonly name: string;
  readonly label: string;
  readonly settings: ResolvedOidc;
  readonly clients: ProviderClient[];
  readonly #flow: LoginFlowDeps;
  readonly #backchannel: BackchannelLogout;
  readonly #refresher: SessionRefresher;
  readonly #box: TokenBox;
  readonly #ctx: AuthenticatorContext;

  constructor(settings: ResolvedOidc, ctx: AuthenticatorContext) {
    this.settings = settings;
    this.name = settings.name;
    this.#ctx = ctx;
    const cfg = settings.config;
    this.clients = settings.providers.map(
      (p) => new ProviderClient(p, { httpTimeoutMs: cfg.httpTimeoutMs, clockToleranceSeconds: cfg.clockToleranceSeconds, discoveryCooldownMs: OIDC_DEFAULTS.discoveryCooldownMs, log: ctx.log }),
    );
    this.label = settings.providers.length === 1 ? settings.providers[0]!.label : 'Sign in with your organisation';
    const https = ctx.publicUrl.startsWith('https:');
    // always on: the provider returns with a top-level GET, so a Lax cookie comes along over http and https
    const binding: BrowserBinding = {
      enabled: true,
      cookieName: OIDC_BINDING_COOKIE,
      cookiePath: `${OIDC_DEFAULTS.basePath}/`,
      sameSiteNone: false,
      secure: https,
      store: ctx.sharedStore,
      keyPrefix: `oidc:${settings.name}:browser:`,
      ttlSeconds: cfg.requestTtlSeconds,
    };
    this.#box = new TokenBox(settings.tokenKey, settings.name);
    this.#flow = { settings, store: ctx.sharedStore, binding, box: this.#box };
    this.#backchannel = new BackchannelLogout({ settings, store: ctx.sharedStore });
    this.#refresher = new SessionRefresher({ settings, store: ctx.sharedStore, box: this.#box, clients: this.clients });
  }

  loginUrl(returnTo: string): string {
    return `${LOGIN_PATH}?returnTo=${encodeURIComponent(returnTo)}`;
  }

  loginChoices(returnTo: string): Array<{ label: string; url: string }> {
    return this.settings.providers.map((p) => ({ label: p.label, url: `${LOGIN_PATH}?provider=${encodeURIComponent(p.name)}&returnTo=${encodeURIComponent(returnTo)}` }));
  }

  stepUpUrl(returnTo: string): string {
    return `${LOGIN_PATH}?stepUp=1&returnTo=${encodeURIComponent(returnTo)}`;
  }

  refreshUser(user: AuthenticatedUser, log: FastifyRequest['log']) {
    return this.#refresher.refresh(user, log);
  }

  /** RP-initiated logout: the provider's end_session_endpoint with the ID token as hint. */
  async logoutRedirect(user: AuthenticatedUser): Promise<string | undefined> {
    const data = oidcDataOf(user);
    const pc = data && this.clients.find((c) => c.provider.name === data.provider);
    if (!data || !pc || !pc.provider.config.logoutAtProvider) return undefined;
    try {
      const config = await pc.configuration();
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      const params: Record<string, string> = { client_id: pc.provider.config.clientId, post_logout_redirect_uri: pc.provider.postLogoutRedirectUri };
      const idToken = this.#box.open(data.idToken);
      if (idToken) params.id_token_hint = idToken;
      return client.buildEndSessionUrl(config, params).href;
    } catch (err) {
      // the local session is gone already; a provider that is down must not keep the user from the logged-out page
      this.#ctx.log.warn({ provider: data.provider, reason: (err as Error).message }, 'oidc logout at the provider skipped');
      return undefined;
    }
  }

  async register(app: FastifyInstance, completion: LoginCompletion): Promise<void> {
    app.get(LOGIN_PATH, (request, reply) => this.#start(request, reply, completion));
    for (const pc of this.clients) {
      const paths = providerPaths(pc.provider.name);
      app.get(paths.callback, (request, reply) => this.#callback(request, reply, pc, completion));
      app.get(paths.loggedOut, async (_request, reply) =>
        reply
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(messagePageFor(reply.request, 'Signed out', 'You are signed out of the gateway and of your identity provider.', { href: '/login', text: 'Sign in again' })),
      );
      app.post(paths.backchannelLogout, (request, reply) => this.#backchannel.handle(request, reply, pc, completion));
    }
  }

  /** Discovery for every provider: a wrong issuer stops the start; an unreachable one is retried later. */
  async warmUp(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.warmUp()));
  }

  async #start(request: FastifyRequest, reply: FastifyReply, completion: LoginCompletion) {
    const query = (request.query ?? {}) as Query;
    const returnTo = completion.safeReturnTo(first(query.returnTo));
    const wanted = first(query.provider);
    const stepUp = first(query.stepUp) === '1';
    const pc = wanted ? this.clients.find((c) => c.provider.name === wanted) : this.clients.length === 1 ? this.clients[0] : undefined;
    if (!pc && wanted) {
      return reply.code(404).type('text/html; charset=utf-8').send(pagesOf(request).frame('Unknown identity provider', '<h1>Unknown identity provider</h1><p><a href="/login">Back to the login page</a></p>'));
    }
    if (!pc) return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(this.#chooserPage(request, returnTo, stepUp));
    try {
      return await startLogin(this.#flow, request, reply, pc, returnTo, stepUp);
    } catch (err) {
      return replyRoutedLoginFailed(request, reply, err, { step: 'authorization-request', provider: pc.provider.name }, 'oidc');
    }
  }

  async #callback(request: FastifyRequest, reply: FastifyReply, pc: ProviderClient, completion: LoginCompletion) {
    try {
      const { user, returnTo } = await finishLogin(this.#flow, request, pc);
      await rememberSessionLinks({ settings: this.settings, store: this.#ctx.sharedStore }, user);
      request.log.info({ provider: pc.provider.name, loginId: user.loginId, level: user.level }, 'oidc login accepted');
      await completion.completeLogin(request, reply, user, returnTo);
      return reply;
    } catch (err) {
      this.#ctx.countLogin?.(this.name, 'failure');
      return replyRoutedLoginFailed(request, reply, err, { step: 'callback', provider: pc.provider.name }, 'oidc');
    }
  }

  #chooserPage(request: FastifyRequest, returnTo: string, stepUp: boolean): string {
    const buttons = this.loginChoices(returnTo)
      .map((c) => `<p><a class="button" href="${escapeHtml(stepUp ? `${c.url}&stepUp=1` : c.url)}">${escapeHtml(c.label)}</a></p>`)
      .join('');
    return pagesOf(request).frame('Choose your identity provider', `<h1>Choose your identity provider</h1>${buttons}`);
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The factory the registry calls for `type: oidc`. Bad options and a wrong issuer fail here with a coded error. */
export async function createOidcAuthenticator(config: OidcAuthenticatorConfig, ctx: AuthenticatorContext): Promise<OidcAuthenticator> {
  const settings = await resolveOidcSettings(config, { configDir: ctx.configDir, publicUrl: ctx.publicUrl, storeShared: ctx.storeShared ?? false }, `authenticators[${config.name}]`);
  const authenticator = new OidcAuthenticator(settings, ctx);
  await authenticator.warmUp();
  return authenticator;
}
