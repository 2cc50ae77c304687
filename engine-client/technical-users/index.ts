export {
  createTechnicalUserMap,
  type CertificateMatch,
  type CertificateSummary,
  type TechnicalUser,
  type TechnicalUserConfig,
  type TechnicalUserDecision,
  type TechnicalUserMap,
  type TechnicalUsersOptions,
} from './technical-users.js';
export { decideTlsPeer, mtlsServerOptions, type PeerDecision } from './tls-peer.js';
export { technicalIdentity, type TechnicalIdentity } from './identity.js';
export { createTechnicalUserHook, type TechnicalUserHookOptions } from './hook.js';
export { dnKeyFromText, dnKeyFromCertificate, sanKeyFromText, sanKeysFromCertificate, fingerprintKey } from './certificate-names.js';
export { technicalUsers } from './plugin.js';
