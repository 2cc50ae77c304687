import type { TLSSocket } from 'node:tls';
import { CertificateRequiredError, CertificateUntrustedError, type AccessError } from '../access-errors.js';
import type { CertificateSummary, TechnicalUserDecision, TechnicalUserMap } from './technical-users.js';

export type PeerDecision = TechnicalUserDecision | { ok: false; error: AccessError; certificate?: undefined };

/**
 * TLS options for a listener that asks every client for a certificate. The handshake lets
 * a missing or failing certificate through (`rejectUnauthorized: false`) so that the request
 * gets a precise 401/403 and a log line instead of a bare TLS alert; `decideTlsPeer` then
 * refuses anything that did not verify against `ca`.
 */
export function mtlsServerOptions(options: { ca: string | Buffer | Array<string | Buffer>; cert: string | Buffer; key: string | Buffer }) {
  return {
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2' as const,
  };
}

const bySocket = new WeakMap<TLSSocket, PeerDecision>();

/**
 * The technical user behind a TLS connection: no certificate → 401; a certificate that did
 * not verify against the listener's CA (another CA, expired, not yet valid) → 403; a verified
 * one that maps to nobody or to a revoked user → 403. Decided once per connection.
 */
export function decideTlsPeer(socket: TLSSocket | undefined | null, users: TechnicalUserMap): PeerDecision {
  if (!socket || typeof socket.getPeerX509Certificate !== 'function') return { ok: false, error: new CertificateRequiredError() };
  const cached = bySocket.get(socket);
  if (cached) return cached;
  const decision = decide(socket, users);
  bySocket.set(socket, decision);
  return decision;
}

function decide(socket: TLSSocket, users: TechnicalUserMap): PeerDecision {
  const certificate = socket.getPeerX509Certificate();
  if (!certificate) return { ok: false, error: new CertificateRequiredError() };
  if (!socket.authorized) {
    const summary: CertificateSummary = {
      subject: certificate.subject.replace(/\n/g, ', '),
      fingerprint256: certificate.fingerprint256,
      serialNumber: certificate.serialNumber,
      validTo: certificate.validTo,
    };
    const reason = String(socket.authorizationError ?? 'unverified');
    return {
      ok: false,
      error: new CertificateUntrustedError(describeTlsError(reason), { subject: summary.subject, fingerprint256: summary.fingerprint256, tlsError: reason }),
      certificate: summary,
    };
  }
  return users.identify(certificate);
}

function describeTlsError(code: string): string {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return 'expired';
    case 'CERT_NOT_YET_VALID':
      return 'not yet valid';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'issued by an untrusted authority';
    default:
      return 'verification failed';
  }
}
