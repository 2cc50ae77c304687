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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
