import { GatewayError } from '../../errors.js';

export interface BasicCredentials {
  login: string;
  password: string;
}

const MAX_LOGIN = 256;
const MAX_PASSWORD = 1024;

/**
 * The login and password of an `Authorization: Basic` header (RFC 7617, UTF-8), or
 * undefined when the request does not use Basic. A Basic header that cannot be read is a
 * 400 that names the problem (never the value).
 */
export function readBasicCredentials(header: string | string[] | undefined): BasicCredentials | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) throw malformed('more than one Authorization header');
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  if (space === -1 || trimmed.slice(0, space).toLowerCase() !== 'basic') return undefined;
  const encoded = trimmed.slice(space + 1).trim();
  if (encoded.length === 0 || encoded.length > 2 * (MAX_LOGIN + MAX_PASSWORD) || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw malformed('the Basic credentials are not base64');
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw malformed('the Basic credentials need "login:password"');
  const login = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  // eslint-disable-next-line no-control-regex
  if (login.length > MAX_LOGIN || /[\u0000-\u001f\u007f]/.test(login)) throw malformed('the login is too long or has control characters');
  if (password.length > MAX_PASSWORD) throw malformed('the password is too long');
  return { login, password };
}

function malformed(why: string): GatewayError {
  return new GatewayError('GW_BASIC_MALFORMED', 400, why);
}
