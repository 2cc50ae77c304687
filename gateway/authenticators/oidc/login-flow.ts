import * as client from 'openid-client';
import { decodeProtectedHeader } from 'jose';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ExpiringStore } from '../../sessions/store.js';
import type { AuthenticatedUser } from '../types.js';
import type { BrowserBinding } from '../routed/browser-binding.js';
import { bindLoginToBrowser, digest, isBoundToThisBrowser } from '../routed/browser-binding.js';
import { OIDC_ERROR_CODES as C, OidcError, OidcProviderUnavailableError, refused } from './errors.js';
import type { ProviderClient } from './provider-client.js';
import { describe, isUnreachable } from './provider-client.js';
import type { ResolvedOidc } from './settings.js';
import type { TokenBox } from './token-box.js';
import { levelOf, userFromClaims } from './user-mapping.js';
import type { OidcSessionData } from './user-mapping.js';

/** A login this gateway started, kept in the shared store under the digest of its state. */
interface PendingLogin {
  provider: string;
  codeVerifier: string;
  nonce: string;
  returnTo: string;
  stepUp: boolean;
}

export interface LoginFlowDeps {
  settings: ResolvedOidc;
  store: ExpiringStore;
  binding: BrowserBinding;
  box: TokenBox;
}

const pendingKey = (name: string, state: string) => `oidc:${name}:pending:${digest(state)}`;
const usedKey = (name: string, state: string) => `oidc:${name}:state-used:${digest(state)}`;
const STATE_SHAPE = /^[A-Za-z0-9_-]{22,128}$/;

/**
 * Send the browser to the provider: authorization code flow with PKCE (S256), a fresh state
 * and nonce per login, recorded in the shared store and bound to this browser. Step-up asks
 * for the provider's stronger acr values.
 */
export async function startLogin(deps: LoginFlowDeps, request: FastifyRequest, reply: FastifyReply, pc: ProviderClient, returnTo: string, stepUp: boolean) {
  const config = await pc.configuration();
  const p = pc.provider;
  const state = client.randomState();
  const nonce = client.randomNonce();
  const codeVerifier = client.randomPKCECodeVerifier();
  const params: Record<string, string> = {
    redirect_uri: p.redirectUri,
    scope: p.config.scopes.includes('openid') ? p.config.scopes.join(' ') : ['openid', ...p.config.scopes].join(' '),
    response_type: 'code',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  };
  const acr = stepUp ? p.config.stepUpAcrValues : p.config.acrValues;
  if (acr.length > 0) params.acr_values = acr.join(' ');
  // without acr values to ask for, a step-up can only ask the provider to authenticate again
  else if (stepUp) params.prompt = 'login';
  const pending: PendingLogin = { provider: p.name, codeVerifier, nonce, returnTo, stepUp };
  await deps.store.set(pendingKey(deps.settings.name, state), pending, deps.settings.config.requestTtlSeconds);
  await bindLoginToBrowser(deps.binding, request, reply, digest(state));
  request.log.info({ provider: p.name, stepUp }, 'oidc authorization request sent');
  return reply.header('cache-control', 'no-store').redirect(client.buildAuthorizationUrl(config, params).href, 302);
}

/**
 * The redirect URI: the state must name a login this gateway started for this provider in
 * this browser, once; then the code is exchanged (PKCE verifier, client authentication) and
 * openid-client checks the ID token (signature, iss, aud, azp, exp, iat, nonce). Answers the
 * user; throws a coded refusal otherwise, before any session exists.
 */
export async function finishLogin(deps: LoginFlowDeps, request: FastifyRequest, pc: ProviderClient): Promise<{ user: AuthenticatedUser; returnTo: string }> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const state = query.state;
  if (typeof state !== 'string' || !STATE_SHAPE.test(state)) throw refused(C.malformed, 'callback without a usable state parameter');
  const name = deps.settings.name;
  const pending = await deps.store.get<PendingLogin>(pendingKey(name, state));
  if (!pending) throw refused(C.unknownState, 'state names no login in progress (unknown, expired or finished)');
  if (pending.provider !== pc.provider.name) throw refused(C.unknownState, `state belongs to provider ${pending.provider}, not ${pc.provider.name}`);
  const bound = await isBoundToThisBrowser(deps.binding, request, digest(state));
  if (!bound.ok) throw refused(C.browserMismatch, `login was not started by this browser (binding cookie ${bound.cookie === 'present' ? 'does not match' : 'missing'})`);
  // one use per state, atomic across gateways: two racing callbacks cannot both pass
  if (!(await deps.store.setIfAbsent(usedKey(name, state), 1, deps.settings.config.requestTtlSeconds))) {
    throw refused(C.unknownState, 'state was already used');
  }
  await deps.store.delete(pendingKey(name, state));
  if (typeof query.error === 'string') {
    throw refused(C.providerError, `provider answered error=${query.error.slice(0, 64)}`);
  }

  const config = await pc.configuration();
  const p = pc.provider;
  const currentUrl = new URL(p.redirectUri);
  currentUrl.search = request.raw.url?.split('?')[1] ?? '';
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedNonce: pending.nonce,
      expectedState: state,
      idTokenExpected: true,
    });
  } catch (err) {
    throw classifyGrantError(err, p.name);
  }
  const claims = checkedIdTokenClaims(tokens, deps.settings, p.name);
  let merged: Record<string, unknown> = claims;
  if (p.config.userinfo) merged = await withUserinfo(config, tokens.access_token, claims, p.name);

  if (pending.stepUp && levelOf(p, merged).level !== 'auth.strong') {
    throw refused(C.stepUpFailed, `step-up login came back with acr=${String(claims.acr ?? '(none)')} amr=${JSON.stringify(claims.amr ?? [])}`);
  }
  const now = Date.now();
  const oidc: OidcSessionData = {
    provider: p.name,
    sub: String(claims.sub),
    sid: typeof claims.sid === 'string' ? claims.sid : undefined,
    refreshToken: tokens.refresh_token ? deps.box.seal(tokens.refresh_token) : undefined,
    idToken: tokens.id_token ? deps.box.seal(tokens.id_token) : undefined,
    freshAt: now,
  };
  const user = userFromClaims(name, p, merged, oidc);
  if (oidc.refreshToken) user.refreshAt = now + deps.settings.config.refreshIntervalSeconds * 1000;
  return { user, returnTo: pending.returnTo };
}

/** The ID token's claims after the checks openid-client does not make: the algorithm allow-list and azp. */
export function checkedIdTokenClaims(tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers, settings: ResolvedOidc, providerName: string) {
  const p = settings.providers.find((x) => x.name === providerName)!;
  const claims = tokens.claims();
  if (!claims || !tokens.id_token) throw refused(C.idToken, 'token response without an ID token');
  const { alg } = decodeProtectedHeader(tokens.id_token);
  if (!alg || !p.config.idTokenAlgorithms.includes(alg as never)) throw refused(C.idToken, `ID token signed with ${alg ?? '(none)'}, not in idTokenAlgorithms`);
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (audiences.length > 1 && claims.azp !== p.config.clientId) throw refused(C.idToken, 'ID token for several audiences without azp naming this client');
  if (claims.azp !== undefined && claims.azp !== p.config.clientId) throw refused(C.idToken, 'ID token azp names another client');
  return claims as Record<string, unknown> & { sub: string };
}

async function withUserinfo(config: client.Configuration, accessToken: string, claims: Record<string, unknown> & { sub: string }, provider: string) {
  try {
    const info = await client.fetchUserInfo(config, accessToken, claims.sub);
    // the ID token's own claims (iss, aud, sub, acr, amr, sid, ...) are never overwritten by userinfo
    return { ...info, ...claims };
  } catch (err) {
    if (isUnreachable(err)) throw new OidcProviderUnavailableError(`provider ${provider}: userinfo failed: ${describe(err)}`, err);
    throw refused(C.idToken, `provider ${provider}: userinfo refused: ${describe(err)}`, err);
  }
}

/** Sort a failed code exchange into down, refused code, provider error or bad ID token. */
export function classifyGrantError(err: unknown, provider: string): OidcError {
  if (err instanceof OidcError) return err;
  if (isUnreachable(err)) return new OidcProviderUnavailableError(`provider ${provider}: token endpoint unreachable: ${describe(err)}`, err);
  if (err instanceof client.AuthorizationResponseError) return refused(C.providerError, `provider ${provider} answered ${describe(err)}`, err);
  if (err instanceof client.ResponseBodyError) return refused(C.codeRefused, `provider ${provider} refused the code: ${describe(err)}`, err);
  return refused(C.idToken, `provider ${provider}: ${describe(err)}`, err);
}
