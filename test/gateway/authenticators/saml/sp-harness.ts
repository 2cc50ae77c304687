import { Writable } from 'node:stream';
import Fastify from 'fastify';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { samlAuthenticatorSchema } from '../../../../config/schema/saml.js';
import type { SamlAuthenticatorConfig } from '../../../../config/schema/saml.js';
import { createSamlAuthenticator } from '../../../../gateway/authenticators/saml/index.js';
import type { SamlAuthenticator } from '../../../../gateway/authenticators/saml/index.js';
import type { AuthenticatedUser, LoginCompletion } from '../../../../gateway/authenticators/types.js';
import { safeReturnTo } from '../../../../gateway/login/return-to.js';
import { MemoryStore } from '../../../../gateway/sessions/memory-store.js';
import { TestIdp, authnRequestFromUrl, toBase64 } from '../../../support/saml-idp.js';

export const SP_URL = 'http://sp.test';
export const SP_ENTITY_ID = `${SP_URL}/saml/metadata`;
export const ACS_URL = `${SP_URL}/saml/acs`;

/** A fake completion for unit tests: records logins and session ends instead of making sessions. */
export class RecordingCompletion implements LoginCompletion {
  readonly logins: Array<{ user: AuthenticatedUser; returnTo: string }> = [];
  readonly ended: Array<{ authenticator: string; loginId: string }> = [];
  async completeLogin(_request: unknown, reply: import('fastify').FastifyReply, user: AuthenticatedUser, returnTo: string) {
    this.logins.push({ user, returnTo });
    await reply.redirect(returnTo);
  }
  safeReturnTo(value: unknown) {
    return safeReturnTo(value);
  }
  async endSessionsOf(authenticator: string, loginId: string) {
    this.ended.push({ authenticator, loginId });
    return 1;
  }
}

export interface SpHarness {
  app: FastifyInstance;
  idp: TestIdp;
  saml: SamlAuthenticator;
  completion: RecordingCompletion;
  store: MemoryStore;
  logs: Array<Record<string, unknown>>;
  /** start a login at the SP; answers the IdP URL and the AuthnRequest inside it */
  startLogin(returnTo?: string): Promise<{ location: string; requestId: string; relayState?: string }>;
  /** POST a response (XML) to the ACS as the browser would */
  postToAcs(xml: string, relayState?: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The SP on a bare fastify app (inject, no port), against a real test IdP over HTTP. */
export async function startSp(
  options: { idp?: TestIdp; config?: Partial<SamlAuthenticatorConfig>; idpConfig?: Record<string, unknown>; publicUrl?: string } = {},
): Promise<SpHarness> {
  const idp = options.idp ?? (await TestIdp.start({ spAcsUrl: ACS_URL, spEntityId: SP_ENTITY_ID, spSloUrl: `${SP_URL}/saml/slo` }));
  const logs: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const app = Fastify({ logger: { level: 'info', stream } });
  const store = new MemoryStore({ maxEntries: 10_000 });
  const config = samlAuthenticatorSchema.parse({
    type: 'saml',
    identityProviders: [
      {
        name: 'corp',
        label: 'Sign in with Corp',
        entityId: idp.entityId,
        ssoUrl: idp.ssoUrl,
        sloUrl: idp.sloUrl,
        certificates: [idp.certificate],
        attributes: { email: 'mail', firstName: 'givenName' },
        groupsAttribute: 'groups',
        roleMapping: { map: { admins: 'admin', staff: 'user' }, keepUnmapped: false },
        authnContextLevels: { 'https://refeds.org/profile/mfa': 'auth.strong' },
        ...options.idpConfig,
      },
    ],
    ...options.config,
  });
  const saml = await createSamlAuthenticator(config, {
    configDir: process.cwd(),
    dataDir: process.cwd(),
    publicUrl: options.publicUrl ?? SP_URL,
    log: pino({ level: 'silent' }),
    byName: () => undefined,
    sharedStore: store,
  });
  const completion = new RecordingCompletion();
  await saml.register(app, completion);
  await app.ready();
  return {
    app,
    idp,
    saml,
    completion,
    store,
    logs,
    async startLogin(returnTo = '/app/') {
      const res = await app.inject({ method: 'GET', url: `/saml/login?returnTo=${encodeURIComponent(returnTo)}` });
      if (res.statusCode !== 302) throw new Error(`login start answered ${res.statusCode}`);
      const location = String(res.headers.location);
      const req = authnRequestFromUrl(location);
      return { location, requestId: req.id, relayState: req.relayState };
    },
    postToAcs(xml: string, relayState?: string) {
      const form = new URLSearchParams({ SAMLResponse: toBase64(xml) });
      if (relayState !== undefined) form.set('RelayState', relayState);
      return app.inject({ method: 'POST', url: '/saml/acs', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() });
    },
    async close() {
      await app.close();
      if (!options.idp) await idp.close();
    },
  };
}

/** The incident id on a failure page, and the log line that carries the same id. */
export function incidentOf(h: SpHarness, body: string): { incident: string; log: Record<string, unknown> | undefined } {
  const incident = /Reference: ([A-Za-z0-9]+)/.exec(body)?.[1] ?? '';
  return { incident, log: h.logs.find((l) => l.incident === incident) };
}
