import type { X509Certificate } from 'node:crypto';
import {
  AccessOptionError,
  CertificateUntrustedError,
  TechnicalUserRevokedError,
  TechnicalUserUnknownError,
  type AccessError,
} from '../access-errors.js';
import { dnKeyFromCertificate, dnKeyFromText, fingerprintKey, sanKeyFromText, sanKeysFromCertificate } from './certificate-names.js';

/**
 * How a certificate is recognised. Every criterion given must hold; give the fingerprint to
 * pin one certificate, the subject or a SAN entry to accept any certificate the trusted CA
 * issues under that name (renewals keep working).
 */
export interface CertificateMatch {
  /** subject DN, `CN=billing, O=Acme` or `/O=Acme/CN=billing`; order, spacing and case do not matter */
  subject?: string;
  /** a subjectAltName entry: `DNS:billing.internal`, `URI:spiffe://acme/billing`, `email:ops@acme.test`, `IP:10.0.0.7` */
  san?: string;
  /** SHA-256 fingerprint, with or without colons */
  fingerprint256?: string;
}

export interface TechnicalUserConfig {
  /** the user id engines see (`sub` of the token, `identity.userId`) */
  id: string;
  roles?: string[];
  match: CertificateMatch;
  /** true: refused with 403 even though the certificate verifies */
  revoked?: boolean;
  /** identity attributes (e.g. clientId) */
  attributes?: Record<string, string>;
}

export interface TechnicalUsersOptions {
  users: TechnicalUserConfig[];
  /** roles every technical user gets; default `['TechnicalUser']` */
  defaultRoles?: string[];
  /** certificates refused whoever they map to (a leaked key before it expires) */
  revokedFingerprints?: string[];
}

export interface TechnicalUser {
  id: string;
  roles: string[];
  attributes: Record<string, string>;
}

export interface CertificateSummary {
  subject: string;
  fingerprint256: string;
  serialNumber: string;
  validTo: string;
}

export type TechnicalUserDecision =
  | { ok: true; user: TechnicalUser; certificate: CertificateSummary }
  | { ok: false; error: AccessError; certificate: CertificateSummary };

export interface TechnicalUserMap {
  readonly size: number;
  /** the technical user of a certificate that already verified against the trusted CA */
  identify(certificate: X509Certificate, now?: Date): TechnicalUserDecision;
}

interface CompiledUser {
  user: TechnicalUser;
  revoked: boolean;
  subject?: string;
  san?: string;
  fingerprint?: string;
}

/** Build the mapping once at start-up; every bad entry throws `OPTIONS_INVALID` with its path. */
export function createTechnicalUserMap(options: TechnicalUsersOptions, path = 'technicalUsers'): TechnicalUserMap {
  if (!options || !Array.isArray(options.users)) throw new AccessOptionError(`${path}.users`, 'must be a list');
  const defaultRoles = options.defaultRoles ?? ['TechnicalUser'];
  const revoked = new Set(
    (options.revokedFingerprints ?? []).map((fp, i) => {
      const key = fingerprintKey(fp);
      if (!key) throw new AccessOptionError(`${path}.revokedFingerprints[${i}]`, 'must be a SHA-256 fingerprint (64 hex digits)');
      return key;
    }),
  );
  const seen = new Set<string>();
  const users: CompiledUser[] = options.users.map((u, i) => {
    const where = `${path}.users[${i}]`;
    if (!u || typeof u.id !== 'string' || u.id.trim() === '') throw new AccessOptionError(`${where}.id`, 'must be a non-empty string');
    if (seen.has(u.id)) throw new AccessOptionError(`${where}.id`, `"${u.id}" is listed twice`);
    seen.add(u.id);
    const m = u.match ?? {};
    const compiled: CompiledUser = {
      user: Object.freeze({ id: u.id, roles: [...new Set([...defaultRoles, ...(u.roles ?? [])])], attributes: { ...(u.attributes ?? {}) } }),
      revoked: u.revoked === true,
    };
    if (m.subject !== undefined) {
      compiled.subject = dnKeyFromText(m.subject);
      if (!compiled.subject) throw new AccessOptionError(`${where}.match.subject`, 'is not a distinguished name');
    }
    if (m.san !== undefined) {
      compiled.san = sanKeyFromText(m.san);
      if (!compiled.san) throw new AccessOptionError(`${where}.match.san`, 'must be DNS:, URI:, email: or IP: followed by a value');
    }
    if (m.fingerprint256 !== undefined) {
      compiled.fingerprint = fingerprintKey(m.fingerprint256);
      if (!compiled.fingerprint) throw new AccessOptionError(`${where}.match.fingerprint256`, 'must be a SHA-256 fingerprint (64 hex digits)');
    }
    if (!compiled.subject && !compiled.san && !compiled.fingerprint) {
      throw new AccessOptionError(`${where}.match`, 'needs a subject, a san or a fingerprint256');
    }
    return compiled;
  });

  return {
    size: users.length,
    identify(certificate, now = new Date()) {
      const summary = summarize(certificate);
      const fingerprint = fingerprintKey(certificate.fingerprint256)!;
      const log = { subject: summary.subject, fingerprint256: summary.fingerprint256 };
      // The TLS layer checks dates too; this keeps a certificate handed over some other way honest.
      if (Date.parse(certificate.validTo) < now.getTime()) return refuse(new CertificateUntrustedError('expired', log), summary);
      if (Date.parse(certificate.validFrom) > now.getTime()) return refuse(new CertificateUntrustedError('not yet valid', log), summary);
      if (revoked.has(fingerprint)) return refuse(new TechnicalUserRevokedError({ ...log, why: 'fingerprint revoked' }), summary);
      const subject = dnKeyFromCertificate(certificate.subject);
      const sans = sanKeysFromCertificate(certificate.subjectAltName);
      // first match in configuration order wins
      const found = users.find(
        (u) =>
          (!u.fingerprint || u.fingerprint === fingerprint) &&
          (!u.subject || u.subject === subject) &&
          (!u.san || sans.includes(u.san)),
      );
      if (!found) return refuse(new TechnicalUserUnknownError(log), summary);
      if (found.revoked) return refuse(new TechnicalUserRevokedError({ ...log, userId: found.user.id, why: 'user revoked' }), summary);
      return { ok: true, user: found.user, certificate: summary };
    },
  };
}

function summarize(c: X509Certificate): CertificateSummary {
  return { subject: c.subject.replace(/\n/g, ', '), fingerprint256: c.fingerprint256, serialNumber: c.serialNumber, validTo: c.validTo };
}

function refuse(error: AccessError, certificate: CertificateSummary): TechnicalUserDecision {
  return { ok: false, error, certificate };
}
