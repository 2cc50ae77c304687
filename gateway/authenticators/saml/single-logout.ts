import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import type { Profile } from '@node-saml/node-saml';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { messagePageFor } from '../../pages/message-page.js';
import type { ExpiringStore } from '../../sessions/store.js';
import type { AuthenticatedUser, LoginCompletion } from '../types.js';
import { SAML_ERROR_CODES as C, SamlError, refused } from './errors.js';
import { replyLoginFailed } from './failure.js';
import { ALLOWED_SIGNATURE_ALGORITHMS } from './preflight.js';
import type { IdpClient } from './saml-client.js';
import type { SamlSessionData } from './user-mapping.js';
import { NS, attr, firstChild, parseXmlStrict, textOf } from './xml.js';

export interface LogoutDeps {
  name: string;
  clients: readonly IdpClient[];
  store: ExpiringStore;
  sessionLinkTtlSeconds: number;
  /** how long a LogoutRequest id is remembered against replays */
  requestTtlSeconds: number;
}

/** Where the NameID → login id link lives, so an IdP LogoutRequest finds the user's sessions. */
export function sessionLinkKey(name: string, idp: string, nameId: string): string {
  return `saml:${name}:${idp}:subject:${digest(nameId)}`;
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

export async function rememberSessionLink(deps: LogoutDeps, user: AuthenticatedUser): Promise<void> {
  const saml = user.extra?.saml as SamlSessionData | undefined;
  if (!saml) return;
  await deps.store.set(sessionLinkKey(deps.name, saml.idp, saml.nameId), user.loginId, deps.sessionLinkTtlSeconds);
}

/** The IdP single-logout URL carrying a LogoutRequest for this user, or undefined without SLO. */
export async function logoutRequestUrl(deps: LogoutDeps, user: AuthenticatedUser): Promise<string | undefined> {
  const saml = user.extra?.saml as SamlSessionData | undefined;
  const client = saml && deps.clients.find((c) => c.idp.name === saml.idp);
  if (!saml || !client?.idp.sloUrl) return undefined;
  const profile: Profile = {
    issuer: client.idp.entityId,
    nameID: saml.nameId,
    nameIDFormat: saml.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
    nameQualifier: saml.nameQualifier,
    spNameQualifier: saml.spNameQualifier,
    sessionIndex: saml.sessionIndex,
  };
  const url = await client.saml.getLogoutUrlAsync(profile, '/', {});
  // the IdP's LogoutResponse confirms the sign-out only when it answers this very request
  const id = decodeMessage(new URL(url).searchParams.get('SAMLRequest') ?? '', true).id;
  if (id) await deps.store.set(pendingLogoutKey(deps.name, client.idp.name, id), 1, deps.requestTtlSeconds);
  return url;
}

function pendingLogoutKey(name: string, idp: string, requestId: string): string {
  return `saml:${name}:${idp}:logout-pending:${digest(requestId)}`;
}

/**
 * The SP's single-logout endpoint (HTTP-Redirect and HTTP-POST). A LogoutResponse closes an
 * SP-initiated logout; a LogoutRequest from the IdP must be signed by that IdP's key and ends
 * every session of the user it names, then answers the IdP with a LogoutResponse.
 */
export async function handleSingleLogout(request: FastifyRequest, reply: FastifyReply, completion: LoginCompletion, deps: LogoutDeps) {
  const params = (request.method === 'GET' ? request.query : request.body) as Record<string, string | undefined>;
  const isGet = request.method === 'GET';
  const originalQuery = request.raw.url?.split('?')[1] ?? '';
  let client: IdpClient | undefined;
  try {
    const field = params?.SAMLRequest ? 'SAMLRequest' : params?.SAMLResponse ? 'SAMLResponse' : undefined;
    if (!field) throw refused(C.malformed, 'neither SAMLRequest nor SAMLResponse given');
    const message = decodeMessage(params[field]!, isGet);
    client = clientFor(deps.clients, message.issuer);
    if (field === 'SAMLResponse') {
      // The gateway session ended at /logout already; the response only says whether the IdP
      // ended its own. node-saml accepts an unsigned redirect-binding response, so an unsigned
      // one proves nothing and must not claim the IdP signed the user out.
      if (isGet && (!params.Signature || !params.SigAlg)) {
        request.log.warn({ idp: client.idp.name, code: C.logoutRequest }, 'saml logout response unsigned: the IdP sign-out is not confirmed');
        return gatewayOnlyPage(reply);
      }
      if (isGet && !ALLOWED_SIGNATURE_ALGORITHMS.has(params.SigAlg!)) throw refused(C.weakAlgorithm, `SigAlg not allowed: ${params.SigAlg}`);
      if (isGet) await client.saml.validateRedirectAsync(params as Record<string, string>, originalQuery);
      else await client.saml.validatePostResponseAsync(params as Record<string, string>);
      // a signed answer to a request this gateway never sent (or already closed) confirms nothing
      const pending = message.inResponseTo ? pendingLogoutKey(deps.name, client.idp.name, message.inResponseTo) : undefined;
      if (!pending || (await deps.store.get(pending)) === undefined) {
        request.log.warn({ idp: client.idp.name, code: C.inResponseTo }, 'saml logout response answers no pending LogoutRequest: the IdP sign-out is not confirmed');
        return gatewayOnlyPage(reply);
      }
      await deps.store.delete(pending);
      return signedOutPage(reply);
    }
    if (isGet) {
      // node-saml lets an unsigned redirect-binding request through; an IdP-initiated logout must be signed
      if (!params.Signature || !params.SigAlg) throw refused(C.logoutRequest, 'unsigned LogoutRequest');
      if (!ALLOWED_SIGNATURE_ALGORITHMS.has(params.SigAlg)) throw refused(C.weakAlgorithm, `SigAlg not allowed: ${params.SigAlg}`);
    }
    const { profile } = isGet
      ? await client.saml.validateRedirectAsync(params as Record<string, string>, originalQuery)
      : await client.saml.validatePostRequestAsync(params as Record<string, string>);
    if (!profile?.nameID) throw refused(C.logoutRequest, 'LogoutRequest without NameID');
    // a captured LogoutRequest is good for one use only
    const seen = `saml:${deps.name}:${client.idp.name}:logout-request:${digest(String(profile.ID))}`;
    if (!(await deps.store.setIfAbsent(seen, 1, deps.requestTtlSeconds))) throw refused(C.replay, `LogoutRequest ${profile.ID} was already used`);
    const loginId = await deps.store.get<string>(sessionLinkKey(deps.name, client.idp.name, profile.nameID));
    let success = true;
    if (loginId !== undefined) {
      if (completion.endSessionsOf) {
        const ended = await completion.endSessionsOf(deps.name, loginId);
        request.log.info({ idp: client.idp.name, ended }, 'saml single logout ended sessions');
      } else {
        success = false;
        request.log.error({ idp: client.idp.name }, 'saml single logout: the gateway cannot end sessions by user');
      }
    }
    if (!client.idp.sloUrl) return signedOutPage(reply);
    const url = await client.saml.getLogoutResponseUrlAsync(profile, params.RelayState ?? '', {}, success);
    return reply.header('cache-control', 'no-store').redirect(url);
  } catch (err) {
    const coded = err instanceof SamlError ? err : refused(C.logoutRequest, `node-saml: ${(err as Error).message}`, err);
    return replyLoginFailed(request, reply, coded, { step: 'slo', idp: client?.idp.name }, {
      title: 'Sign-out refused',
      message:
        'The sign-out message from your identity provider could not be verified, so this gateway session was not ended by it. ' +
        'Your administrator must configure the identity provider to sign its logout messages for this service (SimpleSAMLphp: ' +
        "'sign.logout' => true in this service provider's saml20-sp-remote entry; other IdPs: sign LogoutRequest and LogoutResponse). " +
        'To end your gateway session now, use the sign-out link.',
      link: { href: '/logout', text: 'Sign out of the gateway' },
    });
  }
}

function signedOutPage(reply: FastifyReply) {
  return reply
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(messagePageFor(reply.request, 'Signed out', 'You are signed out of the gateway and of your identity provider.', { href: '/', text: 'Sign in again' }));
}

function gatewayOnlyPage(reply: FastifyReply) {
  return reply
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      messagePageFor(reply.request, 
        'Signed out of the gateway',
        'You are signed out of the gateway. Your identity provider did not confirm its own sign-out with a signed answer; close the browser to be sure you are signed out there too.',
        { href: '/', text: 'Sign in again' },
      ),
    );
}

/**
 * Read a logout message's Issuer, ID and InResponseTo. Untrusted until its signature is checked:
 * the Issuer only picks whose key must have signed it.
 */
function decodeMessage(value: string, deflated: boolean): { issuer?: string; id?: string; inResponseTo?: string } {
  try {
    const raw = Buffer.from(value, 'base64');
    const xml = (deflated ? inflateRawSync(raw, { maxOutputLength: 256 * 1024 }) : raw).toString('utf8');
    const root = parseXmlStrict(xml).documentElement!;
    return { issuer: textOf(firstChild(root as never, NS.assertion, 'Issuer')), id: attr(root as never, 'ID'), inResponseTo: attr(root as never, 'InResponseTo') };
  } catch (err) {
    throw refused(C.malformed, `SAML logout message does not decode: ${(err as Error).message}`, err);
  }
}

function clientFor(clients: readonly IdpClient[], issuer: string | undefined): IdpClient {
  const client = clients.find((c) => c.idp.entityId === issuer);
  if (!client) throw refused(C.unknownIssuer, `logout message from unknown issuer ${issuer ?? '(none)'}`);
  return client;
}
