import type { AuthLevel, AuthMethod } from '@portcullis/engine-client/token';
import { applyRoleMapping } from '../role-mapping.js';
import type { AuthenticatedUser } from '../types.js';
import { SAML_ERROR_CODES as C, refused } from './errors.js';
import type { ResolvedIdp } from './settings.js';
import type { VerifiedAssertion } from './verified-assertion.js';

/** What single logout needs later, kept in the session's user as `extra.saml`. */
export interface SamlSessionData {
  idp: string;
  nameId: string;
  nameIdFormat?: string;
  nameQualifier?: string;
  spNameQualifier?: string;
  sessionIndex?: string;
}

/**
 * Turn a verified assertion into the gateway's user: login id from the configured attribute
 * (or the NameID), identity attributes by the IdP's mapping, groups through the role mapping
 * shared by every authenticator, and the level the IdP's authentication context earns.
 */
export function userFromAssertion(authenticator: string, idp: ResolvedIdp, a: VerifiedAssertion): AuthenticatedUser {
  const cfg = idp.config;
  const loginId = cfg.loginIdAttribute ? a.attributes[cfg.loginIdAttribute]?.[0] : a.nameId;
  if (!loginId) throw refused(C.noLoginId, `login id attribute ${cfg.loginIdAttribute} missing from the assertion`);

  const attributes: Record<string, string> = {};
  for (const [identityAttribute, samlName] of Object.entries(cfg.attributes)) {
    const value = a.attributes[samlName]?.[0];
    if (value !== undefined) attributes[identityAttribute] = value;
  }
  const groups = cfg.groupsAttribute ? [...new Set(a.attributes[cfg.groupsAttribute] ?? [])].sort() : [];
  const roles = applyRoleMapping(groups, cfg.roleMapping);

  const level: AuthLevel = (a.authnContextClassRef && cfg.authnContextLevels[a.authnContextClassRef]) || 'auth.weak';
  const amr: AuthMethod[] = level === 'auth.strong' ? ['saml', 'mfa'] : ['saml'];
  const saml: SamlSessionData = {
    idp: idp.name,
    nameId: a.nameId,
    nameIdFormat: a.nameIdFormat,
    nameQualifier: a.nameQualifier,
    spNameQualifier: a.spNameQualifier,
    sessionIndex: a.sessionIndex,
  };
  return { loginId, roles, groups, attributes, level, amr, authenticator, extra: { saml } };
}
