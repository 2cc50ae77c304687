import type { AuthLevel, AuthMethod } from '../token/claims.js';
import type { CertificateSummary, TechnicalUser } from './technical-users.js';

/**
 * What an engine knows about a technical user that called it directly over mTLS. Shaped
 * like the token identity (userId, roles, attributes, level, amr) so that role checks and the
 * REST guard treat both alike.
 */
export interface TechnicalIdentity {
  userId: string;
  roles: string[];
  attributes: Record<string, string>;
  level: AuthLevel;
  amr: AuthMethod[];
  technical: true;
  certificate: CertificateSummary;
}

export function technicalIdentity(user: TechnicalUser, certificate: CertificateSummary): TechnicalIdentity {
  return {
    userId: user.id,
    roles: [...user.roles],
    attributes: { ...user.attributes },
    level: 'auth.strong',
    amr: ['mtls'],
    technical: true,
    certificate,
  };
}
