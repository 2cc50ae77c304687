/**
 * One LDAP connection with timeouts, TLS and StartTLS, shared by the gateway's LDAP
 * authenticator and the LDAP identity backend. ldapts is imported lazily, on the first
 * connection, so that importing engine-client never loads it (a backend that only verifies
 * tokens does not carry LDAP code).
 *
 * Errors are sorted for the endpoint pool: anything that is not an answer from the server
 * (refused, reset, timeout, TLS failure, "busy"/"unavailable") becomes an
 * `EndpointUnreachableError`, so the pool fails over; an LDAP result code is an answer.
 */
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import { isIP } from 'node:net';
import type { Client, Entry } from 'ldapts';
import { EndpointUnreachableError } from '../pool/failure.js';

type Ldapts = typeof import('ldapts');
let ldaptsModule: Promise<Ldapts> | undefined;
/** The one place ldapts is loaded. */
function loadLdapts(): Promise<Ldapts> {
  return (ldaptsModule ??= import('ldapts'));
}

export interface LdapTlsMaterial {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** check that the certificate names the server (default true) */
  checkServerName?: boolean;
  /** the name expected in the certificate; the URL's host when absent */
  serverName?: string;
  startTls?: boolean;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface LdapConnectionOptions {
  url: string;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  tls?: LdapTlsMaterial;
}

export interface LdapEntry {
  dn: string;
  /** attribute values by lower-cased attribute name */
  attributes: Record<string, string[]>;
}

export interface LdapSearch {
  scope?: 'base' | 'one' | 'sub';
  filter: string;
  attributes?: string[];
  sizeLimit?: number;
  /** ask page by page (RFC 2696): Active Directory refuses more than MaxPageSize (1000) at once */
  paged?: boolean;
}

/**
 * A bind's answer. Active Directory says why a bind with code 49 failed in its diagnostic
 * message (`AcceptSecurityContext error, data 773`): `adReason` is that sub-code, lower-case.
 */
export type BindOutcome = { ok: true } | { ok: false; adReason?: string };

/** An open connection. `bind` answers false for wrong credentials (result code 49). */
export interface LdapSession {
  bind(dn: string, password: string): Promise<boolean>;
  /** like bind, with Active Directory's reason when the bind is refused */
  bindOutcome(dn: string, password: string): Promise<BindOutcome>;
  search(base: string, search: LdapSearch): Promise<LdapEntry[]>;
  close(): Promise<void>;
}

/** LDAP result codes that mean "this server cannot serve now": treat like unreachable. */
const SERVER_UNAVAILABLE = new Set([51 /* busy */, 52 /* unavailable */]);
const INVALID_CREDENTIALS = 49;
/** `80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 52e, v1db1` */
const AD_BIND_REASON = /AcceptSecurityContext error, data ([0-9a-f]{1,8})\b/i;

function tlsOptions(host: string, tls: LdapTlsMaterial): ConnectionOptions {
  const expected = tls.serverName ?? host;
  return {
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    passphrase: tls.passphrase,
    minVersion: tls.minVersion ?? 'TLSv1.2',
    rejectUnauthorized: true,
    // SNI only carries names, never addresses (RFC 6066)
    servername: isIP(expected) ? undefined : expected,
    // the chain is always verified; only the name check can be switched off
    checkServerIdentity: (_host, cert) => (tls.checkServerName === false ? undefined : checkServerIdentity(expected, cert)),
  };
}

/** Is this an answer from the server (an LDAP result code), as opposed to a transport failure? */
function resultCode(mod: Ldapts, err: unknown): number | undefined {
  return err instanceof mod.ResultCodeError ? err.code : undefined;
}

function unreachable(url: string, err: unknown): EndpointUnreachableError {
  const text = err instanceof Error ? err.message : String(err);
  const code = /timed? ?out/i.test(text)
    ? 'LDAP_TIMEOUT'
    : typeof (err as { code?: unknown }).code === 'string' && /^(ERR_TLS|CERT|UNABLE|DEPTH|SELF_SIGNED|ERR_SSL)/.test((err as { code: string }).code)
      ? 'LDAP_TLS_FAILED'
      : 'LDAP_UNREACHABLE';
  return new EndpointUnreachableError(code, `${url}: ${code === 'LDAP_TIMEOUT' ? 'timed out' : 'not reachable'}`, { cause: err });
}

/** Run one ldapts call, turning transport failures into pool failovers. */
async function guarded<R>(mod: Ldapts, url: string, timeoutMs: number, call: () => Promise<R>): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  // ldapts times each message; this outer limit also covers the TLS handshake of StartTLS
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('operation timed out')), timeoutMs + 50);
  });
  try {
    return await Promise.race([call(), limit]);
  } catch (err) {
    const rc = resultCode(mod, err);
    if (rc !== undefined && !SERVER_UNAVAILABLE.has(rc)) throw err;
    throw unreachable(url, err);
  } finally {
    clearTimeout(timer);
  }
}

function toEntry(entry: Entry): LdapEntry {
  const attributes: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(entry)) {
    if (name === 'dn') continue;
    const values = Array.isArray(value) ? value : [value];
    attributes[name.toLowerCase()] = values.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
  }
  return { dn: entry.dn, attributes };
}

/** Connect (and StartTLS when asked); nothing is sent before TLS is up. */
export async function openLdap(options: LdapConnectionOptions): Promise<LdapSession> {
  const mod = await loadLdapts();
  const url = new URL(options.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const secure = url.protocol === 'ldaps:';
  const tls = options.tls ?? {};
  const client: Client = new mod.Client({
    url: options.url,
    connectTimeout: options.connectTimeoutMs,
    timeout: options.operationTimeoutMs,
    // ldapts switches to TLS whenever tlsOptions are given, so only ldaps:// gets them here
    tlsOptions: secure ? tlsOptions(host, tls) : undefined,
    strictDN: false,
  });
  // the first operation also connects, so its outer limit covers both
  const op = <R>(call: () => Promise<R>) => guarded(mod, options.url, options.connectTimeoutMs + options.operationTimeoutMs, call);
  try {
    if (tls.startTls && !secure) {
      await guarded(mod, options.url, options.connectTimeoutMs + options.operationTimeoutMs, () => client.startTLS(tlsOptions(host, tls)));
    }
  } catch (err) {
    await client.unbind().catch(() => undefined);
    throw err;
  }
  const bindOutcome = async (dn: string, password: string): Promise<BindOutcome> => {
    try {
      await op(() => client.bind(dn, password));
      return { ok: true };
    } catch (err) {
      if (resultCode(mod, err) !== INVALID_CREDENTIALS) throw err;
      const reason = AD_BIND_REASON.exec((err as Error).message ?? '')?.[1]?.toLowerCase();
      return reason ? { ok: false, adReason: reason } : { ok: false };
    }
  };
  return {
    bindOutcome,
    async bind(dn, password) {
      return (await bindOutcome(dn, password)).ok;
    },
    async search(base, search) {
      const { searchEntries } = await op(() =>
        client.search(base, {
          scope: search.scope ?? 'sub',
          filter: search.filter,
          attributes: search.attributes,
          sizeLimit: search.sizeLimit ?? 0,
          ...(search.paged ? { paged: { pageSize: 500 } } : {}),
          timeLimit: Math.max(1, Math.ceil(options.operationTimeoutMs / 1000)),
        }),
      );
      return searchEntries.map(toEntry);
    },
    async close() {
      await client.unbind().catch(() => undefined);
    },
  };
}

/** True when `err` is an LDAP answer with this result code (e.g. 32 noSuchObject). */
export async function isLdapResult(err: unknown, code: number): Promise<boolean> {
  const mod = await loadLdapts();
  return resultCode(mod, err) === code;
}
