export { createDevCertificates, type CreateDevCertificatesOptions, type DevCertificates, type DevClientSpec, type IssuedCertificate } from './dev-certificates.js';
export { CertsError } from './errors.js';
export { certsCommand } from './certs-command.js';
