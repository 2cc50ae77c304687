/**
 * Errors of the development certificate tool.
 * - CERTS_OPTION           a bad option (the message names its path)
 * - CERTS_OPENSSL_MISSING  no `openssl` command on PATH
 * - CERTS_OPENSSL_FAILED   openssl refused; its last line of output is in the message
 */
export class CertsError extends Error {
  readonly code: string;
  readonly statusCode = 500;
  readonly expose = false;
  constructor(code: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'CertsError';
    this.code = code;
  }
}
