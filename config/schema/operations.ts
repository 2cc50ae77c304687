import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';

/**
 * How the gateway runs in production: TLS on the main listener, the shutdown drain, and
 * the Prometheus endpoint. Every default is in DEFAULTS.operations.
 */
export const tlsSchema = z.strictObject({
  /** PEM certificate of the listener (the leaf first; more certificates may follow) */
  certFile: z.string().min(1),
  /** PEM private key of that certificate */
  keyFile: z.string().min(1),
  /** PEM intermediate certificates sent after the leaf */
  chainFile: z.string().min(1).optional(),
  /** passphrase of the key, if it has one */
  keyPassphrase: z.string().regex(/^(env|file|plain):\/\/.+/, 'must be a secret reference: env://NAME, file://PATH or plain://VALUE').optional(),
  /** oldest protocol version a client may use */
  minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default(DEFAULTS.operations.tls.minVersion),
  /** OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are OpenSSL's); default: Node's list */
  ciphers: z.string().min(1).optional(),
  /** also speak HTTP/2 (ALPN h2), HTTP/1.1 stays available */
  http2: z.boolean().default(false),
  /** reload the certificate files when they change on disk (SIGHUP always reloads them) */
  watch: z.boolean().default(true),
});

export const shutdownSchema = z.strictObject({
  /** after SIGTERM, /readyz answers 503 this long before the listener stops taking new connections */
  readinessGraceSeconds: z.number().min(0).max(300).default(DEFAULTS.operations.shutdown.readinessGraceSeconds),
  /** then in-flight requests get this long to finish; whatever is left is cut */
  drainTimeoutSeconds: z.number().min(0).max(600).default(DEFAULTS.operations.shutdown.drainTimeoutSeconds),
});

export const metricsSchema = z.strictObject({
  /** off by default: the metrics port is for the monitoring network only */
  enabled: z.boolean().default(false),
  host: z.string().default(DEFAULTS.operations.metrics.host),
  port: z.number().int().min(0).max(65535).default(DEFAULTS.operations.metrics.port),
  path: z.string().startsWith('/').default(DEFAULTS.operations.metrics.path),
});
