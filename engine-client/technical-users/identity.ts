import type { AuthLevel, AuthMethod, PortcullisTokenClaims } from '../token/claims.js';
import type { CertificateSummary, TechnicalUser } from './technical-users.js';

/**
 * What an engine knows about a technical user that called it directly over mTLS. It has
 * the shape of the token identity (userId, roles, tokenRoles, groups, attributes, level, amr,
 * claims) so that role checks, the REST guard and /whoami treat both alike; `technical` and
 * `certificate` tell them apart. There is no token: `token` is empty and not enumerable.
 */
export interface TechnicalIdentity {
  readonly userId: string;
  readonly roles: readonly string[];
  readonly tokenRoles: readonly string[];
  readonly groups: readonly string[];
  readonly attributes: Readonly<Record<string, string>>;
  readonly level: AuthLevel;
  readonly amr: readonly AuthMethod[];
  readonly claims: Readonly<Partial<PortcullisTokenClaims>>;
  readonly token: string;
  readonly technical: true;
  readonly certificate: CertificateSummary;
}

export function technicalIdentity(user: TechnicalUser, certificate: CertificateSummary): TechnicalIdentity {
  const identity = {
    userId: user.id,
    roles: Object.freeze([...user.roles]),
    tokenRoles: Object.freeze([...user.roles]),
    groups: Object.freeze([] as string[]),
    attributes: Object.freeze({ ...user.attributes }),
    level: 'auth.strong' as const,
    amr: Object.freeze(['mtls'] as AuthMethod[]),
    claims: Object.freeze({ sub: user.id, roles: [...user.roles], groups: [], acr: 'auth.strong' as const, amr: ['mtls'] }),
    technical: true as const,
    certificate: Object.freeze({ ...certificate }),
  };
  Object.defineProperty(identity, 'token', { value: '', enumerable: false });
  return Object.freeze(identity) as unknown as TechnicalIdentity;
}
