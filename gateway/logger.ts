import pino, { type Logger } from 'pino';

/**
 * Paths never written to a log, whatever a caller passes in: credentials travel in these
 * headers and fields. Redaction is the safety net; code also avoids logging them at all.
 */
export const REDACTED_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.sessionId',
];

/**
 * The request as access logs show it: the path without its query string (a query may carry
 * a one-time code or a SAML message), never headers.
 */
function requestSerializer(request: { method?: string; url?: string; host?: string; hostname?: string; ip?: string; socket?: { remoteAddress?: string } }) {
  return {
    method: request.method,
    path: typeof request.url === 'string' ? request.url.split('?')[0] : undefined,
    host: request.host ?? request.hostname,
    remoteAddress: request.ip ?? request.socket?.remoteAddress,
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, serializers: { req: requestSerializer } }, destination);
}
