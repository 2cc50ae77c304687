import { GatewayError } from '../errors.js';

/**
 * Errors of the development certificate tool.
 * - CERTS_OPTION           a bad option (the message names its path)
 * - CERTS_OPENSSL_MISSING  no `openssl` command on PATH
 * - CERTS_OPENSSL_FAILED   openssl refused; its last line of output is in the message
 */
export class CertsError extends GatewayError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, 500, message, cause === undefined ? {} : { cause });
    this.name = 'CertsError';
  }
}
