import { parse as parseQuery } from 'node:querystring';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SamlAuthenticatorConfig } from '@portcullis/config/schema/saml.js';
import { SAML_DEFAULTS } from '@portcullis/config/schema/saml.js';
import { escapeHtml } from '../../pages/html.js';
import { pagesOf } from '../../pages/pages.js';
import type { AuthenticatedUser, AuthenticatorContext, LoginCompletion, RoutedAuthenticator } from '../types.js';
import { BINDING_COOKIE, bindRequestToBrowser, checkBrowserBinding } from './browser-binding.js';
import type { BrowserBinding } from './browser-binding.js';
import { replyLoginFailed } from './failure.js';
import { validateSamlResponse } from './response-validator.js';
import { createIdpClient } from './saml-client.js';
import type { IdpClient } from './saml-client.js';
import { resolveSamlSettings } from './settings.js';
import type { ResolvedSaml } from './settings.js';
import { handleSingleLogout, logoutRequestUrl, rememberSessionLink } from './single-logout.js';
import type { LogoutDeps } from './single-logout.js';
import { serviceProviderMetadata } from './sp-metadata.js';

export { SAML_ERROR_CODES, SamlError, SamlConfigError, SamlResponseRefusedError } from './errors.js';

type Form = Record<string, string | string[] | undefined>;

/**
 * The gateway as a SAML 2.0 service provider: SP metadata, SP-initiated login (AuthnRequest
 * over HTTP-Redirect, response at the ACS over HTTP-POST), and single logout both ways.
 */
export class SamlAuthenticator implements RoutedAuthenticator {
  readonly kind = 'routed' as const;
  readonly type = 'saml';
  readonly name: string;
  readonly label: string;
  readonly settings: ResolvedSaml;
  readonly #clients: IdpClient[];
  readonly #ctx: AuthenticatorContext;
  readonly #logout: LogoutDeps;
  readonly #binding: BrowserBinding;

  constructor(settings: ResolvedSaml, ctx: AuthenticatorContext) {
    this.settings = settings;
    this.name = settings.name;
    this.#ctx = ctx;
    this.#clients = settings.idps.map((idp) => createIdpClient(settings, idp, ctx.sharedStore));
    this.label = settings.idps.length === 1 ? settings.idps[0]!.label : 'Sign in with your organisation';
    const https = settings.acsUrl.startsWith('https:');
    const bind = settings.config.bindToBrowser;
    this.#binding = {
      enabled: bind === 'auto' ? https : bind,
      cookieName: BINDING_COOKIE,
      cookiePath: SAML_DEFAULTS.acsPath,
      // the IdP posts cross-site: over https the cookie must be SameSite=None to come along
      sameSiteNone: https,
      secure: https,
      store: ctx.sharedStore,
      keyPrefix: `saml:${settings.name}:browser:`,
      ttlSeconds: settings.config.requestTtlSeconds,
    };
    this.#logout = { name: this.name, clients: this.#clients, store: ctx.sharedStore, sessionLinkTtlSeconds: settings.config.sessionLinkTtlSeconds, requestTtlSeconds: settings.config.requestTtlSeconds };
  }

  loginUrl(returnTo: string): string {
    return `${SAML_DEFAULTS.loginPath}?returnTo=${encodeURIComponent(returnTo)}`;
  }

  loginChoices(returnTo: string): Array<{ label: string; url: string }> {
    return this.settings.idps.map((idp) => ({
      label: idp.label,
      url: `${SAML_DEFAULTS.loginPath}?idp=${encodeURIComponent(idp.name)}&returnTo=${encodeURIComponent(returnTo)}`,
    }));
  }

  async logoutRedirect(user: AuthenticatedUser): Promise<string | undefined> {
    try {
      return await logoutRequestUrl(this.#logout, user);
    } catch (err) {
      // the local session is gone already; a broken SLO must not keep the user from the logged-out page
      this.#ctx.log.warn({ err: (err as Error).message, authenticator: this.name }, 'saml logout request could not be built');
      return undefined;
    }
  }

  async register(app: FastifyInstance, completion: LoginCompletion): Promise<void> {
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, parseQuery(body as string)));
    }
    app.get(SAML_DEFAULTS.metadataPath, async (_request, reply) =>
      reply.type('application/samlmetadata+xml; charset=utf-8').send(serviceProviderMetadata(this.settings)),
    );
    app.get(SAML_DEFAULTS.loginPath, (request, reply) => this.#startLogin(request, reply, completion));
    app.post(SAML_DEFAULTS.acsPath, (request, reply) => this.#consume(request, reply, completion));
    app.get(SAML_DEFAULTS.sloPath, (request, reply) => handleSingleLogout(request, reply, completion, this.#logout));
    app.post(SAML_DEFAULTS.sloPath, (request, reply) => handleSingleLogout(request, reply, completion, this.#logout));
  }

  /** Send the browser to the IdP with an AuthnRequest; RelayState carries only a local path. */
  async #startLogin(request: FastifyRequest, reply: FastifyReply, completion: LoginCompletion) {
    const query = (request.query ?? {}) as Form;
    const returnTo = completion.safeReturnTo(first(query.returnTo));
    const wanted = first(query.idp);
    const client = wanted ? this.#clients.find((c) => c.idp.name === wanted) : this.#clients.length === 1 ? this.#clients[0] : undefined;
    if (!client && wanted) {
      return reply.code(404).type('text/html; charset=utf-8').send(pagesOf(request).frame('Unknown identity provider', '<h1>Unknown identity provider</h1><p><a href="/login">Back to the login page</a></p>'));
    }
    if (!client) return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(this.#chooserPage(request, returnTo));
    try {
      const url = await client.saml.getAuthorizeUrlAsync(returnTo, undefined, {});
      await bindRequestToBrowser(this.#binding, request, reply, url);
      request.log.info({ idp: client.idp.name }, 'saml authn request sent');
      return reply.header('cache-control', 'no-store').redirect(url);
    } catch (err) {
      return replyLoginFailed(request, reply, err, { step: 'authn-request', idp: client.idp.name });
    }
  }

  /** The ACS: validate the posted response, then create the session exactly as every login does. */
  async #consume(request: FastifyRequest, reply: FastifyReply, completion: LoginCompletion) {
    const body = (request.body ?? {}) as Form;
    try {
      const login = await validateSamlResponse(first(body.SAMLResponse), {
        settings: this.settings,
        clients: this.#clients,
        store: this.#ctx.sharedStore,
        checkRequestOwner: (inResponseTo) => checkBrowserBinding(this.#binding, request, inResponseTo),
      });
      await rememberSessionLink(this.#logout, login.user);
      // RelayState is the browser's to tamper with: only a local path survives, else "/"
      const returnTo = completion.safeReturnTo(first(body.RelayState));
      request.log.info({ idp: login.idp, loginId: login.user.loginId, level: login.user.level }, 'saml login accepted');
      await completion.completeLogin(request, reply, login.user, returnTo);
      return reply;
    } catch (err) {
      this.#ctx.countLogin?.(this.name, 'failure');
      return replyLoginFailed(request, reply, err, { step: 'acs' });
    }
  }

  #chooserPage(request: FastifyRequest, returnTo: string): string {
    const buttons = this.loginChoices(returnTo)
      .map((c) => `<p><a class="button" href="${escapeHtml(c.url)}">${escapeHtml(c.label)}</a></p>`)
      .join('');
    return pagesOf(request).frame('Choose your identity provider', `<h1>Choose your identity provider</h1>${buttons}`);
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The factory the registry calls for `type: saml`. Bad options fail here with a coded error. */
export async function createSamlAuthenticator(config: SamlAuthenticatorConfig, ctx: AuthenticatorContext): Promise<SamlAuthenticator> {
  const settings = await resolveSamlSettings(config, { configDir: ctx.configDir, publicUrl: ctx.publicUrl }, `authenticators[${config.name}]`);
  return new SamlAuthenticator(settings, ctx);
}
