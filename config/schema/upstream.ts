import { z } from 'zod';

/**
 * How the gateway talks to one route's upstream. Every default is safe on its own: a
 * silent upstream answers 504 within seconds, one slow path cannot take every connection,
 * and an https upstream must present a certificate the gateway trusts.
 */
export const upstreamClientSchema = z.strictObject({
  /** TCP + TLS handshake */
  connectTimeoutSeconds: z.number().positive().max(300).default(5),
  /** from the request sent to the upstream's response headers */
  responseHeadersTimeoutSeconds: z.number().positive().max(3600).default(30),
  /** the longest silence while the upstream's response body streams */
  idleTimeoutSeconds: z.number().positive().max(3600).default(60),
  /** connections to this upstream at most (requests beyond wait for one) */
  maxConnections: z.number().int().positive().max(10_000).default(64),
  /** requests to one path (query ignored) in flight at most; more answer 503 at once. Defaults to half of maxConnections */
  maxInFlightPerPath: z.number().int().positive().optional(),
  tls: z
    .strictObject({
      /** PEM file of the CAs that sign the upstream's certificate, instead of Node's trusted roots; relative to the config file */
      caFile: z.string().min(1).optional(),
      /** turn certificate verification off; logged as a warning at every start. For a lab, never production */
      insecureSkipVerify: z.boolean().default(false),
    })
    .default({ insecureSkipVerify: false }),
});
export type UpstreamClientConfig = z.infer<typeof upstreamClientSchema>;
