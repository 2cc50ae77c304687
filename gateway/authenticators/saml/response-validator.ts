import { createHash } from 'node:crypto';
import { SamlStatusError } from '@node-saml/node-saml';
import type { ExpiringStore } from '../../sessions/store.js';
import type { AuthenticatedUser } from '../types.js';
import { SAML_ERROR_CODES as C, SamlError, refused } from './errors.js';
import type { SamlErrorCode } from './errors.js';
import { decodeSamlResponse, preflightResponse } from './preflight.js';
import type { IdpClient } from './saml-client.js';
import type { ResolvedSaml } from './settings.js';
import { userFromAssertion } from './user-mapping.js';
import { readVerifiedAssertion } from './verified-assertion.js';

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

export interface ValidatorDeps {
  settings: ResolvedSaml;
  clients: readonly IdpClient[];
  store: ExpiringStore;
  now?: () => number;
  /** checks the request was started by the browser posting the response (browser binding) */
  checkRequestOwner?: (inResponseTo: string) => Promise<void>;
}

export interface ValidatedLogin {
  user: AuthenticatedUser;
  idp: string;
  assertionId: string;
}

/**
 * Check a posted SAMLResponse from end to end and answer the user it vouches for, or throw
 * a `SamlResponseRefusedError` whose code says which check failed. Order: structure (no
 * comments, no SHA-1, one assertion), issuer → IdP, status, unsolicited policy, known
 * InResponseTo, Destination, then node-saml's signature / time / audience checks, then our
 * own checks on the signed bytes (issuer, bearer Recipient, InResponseTo), and last the
 * one-time uses: the request id and the assertion id, each claimed atomically.
 */
export async function validateSamlResponse(samlResponse: unknown, deps: ValidatorDeps): Promise<ValidatedLogin> {
  const { settings, store } = deps;
  const now = deps.now ?? Date.now;
  const xml = decodeSamlResponse(samlResponse);
  const env = preflightResponse(xml);

  const client = pickClient(deps.clients, env.issuer);
  const idp = client.idp;
  if (env.statusCode !== SUCCESS) throw refused(C.status, `IdP ${idp.name} answered status ${env.statusCode ?? '(none)'}`);
  if (env.assertionCount !== 1) throw refused(C.malformed, 'a successful response without an assertion');

  if (!env.inResponseTo) {
    if (!idp.config.allowUnsolicited) throw refused(C.unsolicited, `unsolicited response from IdP ${idp.name} (allowUnsolicited is off)`);
  } else if ((await client.requests.getAsync(env.inResponseTo)) === null) {
    throw refused(C.inResponseTo, `InResponseTo ${env.inResponseTo} names no pending request sent to IdP ${idp.name}`);
  } else {
    await deps.checkRequestOwner?.(env.inResponseTo);
  }
  if (env.destination !== undefined && env.destination !== settings.acsUrl) {
    throw refused(C.destination, `Destination ${env.destination} is not ${settings.acsUrl}`);
  }
  if (env.destination === undefined && env.responseSigned) {
    // SAML bindings 3.5.5.2: a signed response must say where it was sent
    throw refused(C.destination, 'signed response without Destination');
  }

  let verifiedXml: string;
  try {
    const { profile } = await client.saml.validatePostResponseAsync({ SAMLResponse: samlResponse as string });
    const assertionXml = profile?.getAssertionXml?.();
    if (!assertionXml) throw refused(C.signature, 'no signed assertion in the response');
    verifiedXml = assertionXml;
  } catch (err) {
    throw err instanceof SamlError ? err : classifyNodeSamlError(err);
  }

  const assertion = readVerifiedAssertion(verifiedXml, {
    idpEntityId: idp.entityId,
    acsUrl: settings.acsUrl,
    inResponseTo: env.inResponseTo,
    clockSkewMs: settings.config.clockSkewSeconds * 1000,
    now: now(),
  });
  const user = userFromAssertion(settings.name, idp, assertion);

  // One-time uses. setIfAbsent is atomic in every store, so two gateways racing on the same
  // response cannot both win (node-saml's own removal of the request id is get-then-delete).
  const prefix = `saml:${settings.name}:${idp.name}:`;
  const requestTtl = settings.config.requestTtlSeconds;
  if (env.inResponseTo && !(await store.setIfAbsent(`${prefix}used-request:${env.inResponseTo}`, 1, requestTtl))) {
    throw refused(C.inResponseTo, `InResponseTo ${env.inResponseTo} was already used`);
  }
  await client.requests.removeAsync(env.inResponseTo ?? null);
  const replayTtl = Math.max(60, Math.ceil((assertion.validUntil - now()) / 1000) + settings.config.clockSkewSeconds);
  const assertionKey = `${prefix}assertion:${digest(assertion.id)}`;
  if (!(await store.setIfAbsent(assertionKey, 1, replayTtl))) {
    throw refused(C.replay, `assertion ${assertion.id} from IdP ${idp.name} was already used`);
  }
  return { user, idp: idp.name, assertionId: assertion.id };
}

function pickClient(clients: readonly IdpClient[], issuer: string | undefined): IdpClient {
  const match = clients.find((c) => c.idp.entityId === issuer);
  if (match) return match;
  throw refused(C.unknownIssuer, `issuer ${issuer ?? '(none)'} is not a configured identity provider`);
}

/** node-saml throws plain Errors; sort them into our codes by what they say. */
export function classifyNodeSamlError(err: unknown): SamlError {
  if (err instanceof SamlStatusError) return refused(C.status, err.message, err);
  const message = err instanceof Error ? err.message : String(err);
  const rules: Array<[RegExp, SamlErrorCode]> = [
    [/multiple assertions|more than one element|Referenced node|Too many signatures|too many transforms/i, C.wrapping],
    [/signature/i, C.signature],
    [/InResponseTo/i, C.inResponseTo],
    [/expired|not yet valid|too old|subject confirmation/i, C.expired],
    [/audience/i, C.audience],
    [/issuer/i, C.unknownIssuer],
  ];
  const code = rules.find(([re]) => re.test(message))?.[1] ?? C.refused;
  return refused(code, `node-saml: ${message}`, err);
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
