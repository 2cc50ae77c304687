import { randomBytes } from 'node:crypto';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import type { ExpiringStore } from '../../sessions/store.js';
import { SharedRequestCache } from './request-cache.js';
import type { ResolvedIdp, ResolvedSaml } from './settings.js';

/** One node-saml client per IdP, with the request cache it writes AuthnRequest ids to. */
export interface IdpClient {
  idp: ResolvedIdp;
  saml: SAML;
  requests: SharedRequestCache;
}

const SHA256_DIGEST = 'http://www.w3.org/2001/04/xmlenc#sha256';

/**
 * Build the node-saml client for one IdP with every option written out: node-saml's own
 * defaults (SHA-1 signing, InResponseTo never checked, an emailAddress NameID policy, an
 * exact PasswordProtectedTransport context) are not what a gateway wants.
 */
export function createIdpClient(settings: ResolvedSaml, idp: ResolvedIdp, store: ExpiringStore): IdpClient {
  const c = settings.config;
  const requests = new SharedRequestCache(store, `saml:req:${settings.name}:${idp.name}:`, c.requestTtlSeconds);
  const saml = new SAML({
    entryPoint: idp.ssoUrl,
    issuer: settings.spEntityId,
    audience: settings.spEntityId,
    callbackUrl: settings.acsUrl,
    idpCert: idp.certificates,
    idpIssuer: idp.entityId,
    wantAssertionsSigned: idp.config.requireSignedAssertion,
    wantAuthnResponseSigned: idp.config.requireSignedResponse,
    acceptedClockSkewMs: c.clockSkewSeconds * 1000,
    maxAssertionAgeMs: c.maxAssertionAgeSeconds * 1000,
    // "always" refuses a response without InResponseTo; "ifPresent" lets IdP-initiated ones through
    validateInResponseTo: idp.config.allowUnsolicited ? ValidateInResponseTo.ifPresent : ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: c.requestTtlSeconds * 1000,
    cacheProvider: requests,
    identifierFormat: idp.config.nameIdFormat ?? null,
    disableRequestedAuthnContext: idp.config.requestedAuthnContext.length === 0,
    authnContext: idp.config.requestedAuthnContext,
    racComparison: 'minimum',
    authnRequestBinding: 'HTTP-Redirect',
    signatureAlgorithm: 'sha256',
    digestAlgorithm: SHA256_DIGEST,
    ...(settings.signing ? { privateKey: settings.signing.privateKey, publicCert: settings.signing.certificate } : {}),
    logoutUrl: idp.sloUrl ?? '',
    logoutCallbackUrl: settings.sloUrl,
    // an NCName: starts with "_" then 40 hex characters of randomness
    generateUniqueId: () => `_${randomBytes(20).toString('hex')}`,
  });
  return { idp, saml, requests };
}
