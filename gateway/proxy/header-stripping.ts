/**
 * The fixed step of every proxied route, outside the configurable filter chain: headers a
 * client sent that an engine could take for the gateway's word never reach the engine.
 *
 * Names are compared normalised (lower case, `_` read as `-`): CGI, PHP and nginx with
 * `underscores_in_headers` hand `X_User` to the application as `X-User`, so both spellings
 * are one header. Stripped are the names the gateway sets itself (token header, identity
 * headers of identity-headers filters, header-authenticator headers), the well-known names
 * below, every name under the prefixes below, the operator's `server.stripHeaders`, and
 * every header the client names in `Connection` (a hop-by-hop-aware hop would otherwise
 * drop the gateway's own token header when asked to).
 */

/** Identity, client-certificate and routing headers that common servers and frameworks believe. */
export const WELL_KNOWN_STRIPPED_HEADERS: readonly string[] = Object.freeze([
  // identity: who the caller is
  'x-user', 'x-remote-user', 'remote-user', 'x-authenticated-user', 'x-auth-user', 'x-username', 'x-user-id',
  'x-email', 'x-user-email', 'x-roles', 'x-groups', 'x-on-behalf-of', 'x-impersonate-user', 'x-real-ip',
  'x-client-ip', 'true-client-ip', 'cf-connecting-ip', 'forwarded', 'x-original-forwarded-for',
  'x-proxy-user', 'x-webauth-user', 'x-iv-user', 'x-iv-groups', 'iv-user', 'iv-groups', 'sm-user', 'sm-universalid',
  'authorization-user', 'x-consumer-username', 'x-consumer-id', 'x-credential-identifier', 'x-jwt-assertion', 'x-id-token', 'x-access-token',
  // client certificates as a TLS-terminating proxy passes them on
  'ssl-client-cert', 'ssl-client-verify', 'ssl-client-s-dn', 'ssl-client-i-dn', 'x-client-cert', 'x-client-certificate',
  'x-client-verify', 'x-client-dn', 'x-arr-clientcert', 'x-tls-client-cert', 'client-cert', 'client-cert-chain',
  // routing hints that rewrite the path an engine believes it was asked for
  'x-original-url', 'x-original-uri', 'x-rewrite-url', 'x-original-host', 'x-original-method', 'x-http-method-override',
  'x-http-method', 'x-method-override', 'x-host', 'x-http-host', 'x-envoy-original-path', 'x-script-name', 'script-name',
]);

/** Whole families: every header whose normalised name starts with one of these. */
export const STRIPPED_HEADER_PREFIXES: readonly string[] = Object.freeze([
  'x-forwarded-', // -for/-proto/-host are set by the gateway; -uri/-prefix/-path/-port/-server/-user/-email/-groups/-client-cert are believed by frameworks
  'x-ssl-', // nginx/Apache conventions: X-SSL-Client-S-DN, X-SSL-Client-Verify, X-SSL-Cert
  'x-auth-request-', // oauth2-proxy
  'x-ms-client-principal', // Azure App Service
  'x-amzn-oidc-', // AWS ALB
  'x-goog-authenticated-user-', // Google IAP
  'x-portcullis-', // the gateway's own namespace
]);

/** `X_Remote_User` → `x-remote-user`. */
export function normalizeHeaderName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

/** Hop-by-hop tokens a client may name in `Connection` without it meaning "drop this header". */
const CONNECTION_OPTIONS = new Set(['close', 'keep-alive', 'upgrade']);

export class ClientHeaderStripper {
  readonly #names: ReadonlySet<string>;
  /** raw name as Node gives it (lower case) → verdict; bounded by the header names clients send */
  readonly #verdicts = new Map<string, boolean>();

  /** @param names the gateway's own header names and the operator's additions (any spelling) */
  constructor(names: readonly string[]) {
    this.#names = new Set([...WELL_KNOWN_STRIPPED_HEADERS, ...names].map(normalizeHeaderName));
  }

  /** Whether a client-sent header of this (lower-case) name is dropped on every route. */
  strips(name: string): boolean {
    const known = this.#verdicts.get(name);
    if (known !== undefined) return known;
    const n = normalizeHeaderName(name);
    const verdict = this.#names.has(n) || STRIPPED_HEADER_PREFIXES.some((p) => n.startsWith(p));
    if (this.#verdicts.size < 4096) this.#verdicts.set(name, verdict);
    return verdict;
  }

  /** The normalised names a client listed in `Connection` (dropped for this request, with `Connection` itself). */
  namedInConnection(connection: string | string[] | undefined): ReadonlySet<string> | undefined {
    if (connection === undefined) return undefined;
    const out = new Set<string>(['connection']);
    for (const token of String(connection).split(',')) {
      const n = normalizeHeaderName(token.trim());
      if (n && !CONNECTION_OPTIONS.has(n)) out.add(n);
    }
    return out;
  }

  /** Whether the fixed step drops this header of this request. */
  drops(name: string, connectionNamed: ReadonlySet<string> | undefined): boolean {
    return this.strips(name) || (connectionNamed !== undefined && connectionNamed.has(normalizeHeaderName(name)));
  }
}
