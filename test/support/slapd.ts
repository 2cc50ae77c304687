/**
 * A real OpenLDAP server for tests. Installs Debian's `slapd` and `ldap-utils` when missing,
 * writes a slapd.conf into a temporary folder, loads the people LDIF offline (slapadd),
 * starts slapd on a free loopback port, then adds the groups LDIF online (ldapadd) so the
 * memberof overlay fills `memberOf`. `stop()` and `start()` keep the port and the data, so a
 * test can take a server away in the middle of a run and bring it back.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireBinary } from './system-binary.js';

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const LDAPADD = '/usr/bin/ldapadd';
const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/ldap');

/** What the fixture LDIFs contain; tests use these names rather than repeating strings. */
export const DIRECTORY = {
  suffix: 'dc=example,dc=org',
  rootDn: 'cn=admin,dc=example,dc=org',
  rootPassword: 'root-secret',
  peopleBase: 'ou=people,dc=example,dc=org',
  groupsBase: 'ou=groups,dc=example,dc=org',
  serviceDn: 'cn=portcullis,ou=services,dc=example,dc=org',
  servicePassword: 'service-secret',
  users: {
    ada: { login: 'ada', password: 'analytical-engine' },
    grace: { login: 'grace', password: 'cobol-1959' },
    linus: { login: 'linus', password: 'vitamin-c' },
    obrien: { login: "o'brien*(x)\\y", password: 'shamrock' },
  },
} as const;

export interface SlapdOptions {
  /** LDIF files loaded with slapadd before the first start (default: the people fixture) */
  offlineLdif?: string[];
  /** LDIF files added with ldapadd after the first start (default: the groups fixture) */
  onlineLdif?: string[];
  /** also listen with ldaps:// and offer StartTLS with this certificate */
  tls?: { certFile: string; keyFile: string; caFile: string; verifyClient?: 'never' | 'allow' | 'demand' };
}

export interface SlapdServer {
  url: string;
  port: number;
  /** set when `tls` was given */
  ldapsUrl?: string;
  tlsPort?: number;
  dir: string;
  readonly running: boolean;
  /** connections slapd accepted since the harness started it (from its stats log) */
  connections(): number;
  /** recent slapd log lines (stats level) */
  log(): string[];
  stop(): Promise<void>;
  /** start again on the same port(s) with the same data */
  start(): Promise<void>;
  /** stop and remove the temporary folder */
  close(): Promise<void>;
}

export function ensureSlapdInstalled(): void {
  requireBinary(SLAPD, 'slapd');
  requireBinary(LDAPADD, 'ldap-utils');
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

function slapdConf(dir: string, tls: SlapdOptions['tls']): string {
  const tlsLines = tls
    ? [
        `TLSCACertificateFile ${tls.caFile}`,
        `TLSCertificateFile ${tls.certFile}`,
        `TLSCertificateKeyFile ${tls.keyFile}`,
        `TLSVerifyClient ${tls.verifyClient ?? 'never'}`,
      ]
    : [];
  return [
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    'include /etc/ldap/schema/nis.schema',
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload memberof',
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    ...tlsLines,
    'database mdb',
    'maxsize 16777216',
    `suffix "${DIRECTORY.suffix}"`,
    `rootdn "${DIRECTORY.rootDn}"`,
    `rootpw ${DIRECTORY.rootPassword}`,
    `directory ${join(dir, 'data')}`,
    'index objectClass eq',
    'index uid eq',
    'index member,uniqueMember eq',
    'overlay memberof',
    // passwords: checked by bind only; the service account and users read the rest
    'access to attrs=userPassword by self =w by anonymous auth by * none',
    `access to * by dn.exact="${DIRECTORY.serviceDn}" read by users read by * none`,
    '',
  ].join('\n');
}

export async function startSlapd(options: SlapdOptions = {}): Promise<SlapdServer> {
  ensureSlapdInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-slapd-'));
  mkdirSync(join(dir, 'data'));
  const conf = join(dir, 'slapd.conf');
  writeFileSync(conf, slapdConf(dir, options.tls));
  for (const ldif of options.offlineLdif ?? [join(FIXTURES, 'people.ldif')]) {
    execFileSync(SLAPADD, ['-f', conf, '-l', ldif], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : undefined;
  const urls = [`ldap://127.0.0.1:${port}/`, ...(tlsPort ? [`ldaps://127.0.0.1:${tlsPort}/`] : [])];

  let child: ChildProcess | undefined;
  let accepted = 0;
  const logLines: string[] = [];

  const start = async () => {
    if (child) return;
    // -d 256 (stats) keeps slapd in the foreground, so it dies with the test, and logs each ACCEPT
    const proc = spawn(SLAPD, ['-f', conf, '-h', urls.join(' '), '-d', '256'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let buf = '';
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.includes(' ACCEPT from ')) accepted++;
        logLines.push(line);
        if (logLines.length > 50_000) logLines.splice(0, 25_000);
      }
    });
    proc.once('exit', () => {
      if (child === proc) child = undefined;
    });
    for (let i = 0; i < 200; i++) {
      if (!child) throw new Error(`slapd exited at start:\n${logLines.slice(-20).join('\n')}`);
      if ((await canConnect(port)) && (!tlsPort || (await canConnect(tlsPort)))) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('slapd did not start listening within 5 s');
  };

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
    child = undefined;
  };

  await start();
  for (const ldif of options.onlineLdif ?? [join(FIXTURES, 'groups.ldif')]) {
    execFileSync(LDAPADD, ['-x', '-H', urls[0]!, '-D', DIRECTORY.rootDn, '-w', DIRECTORY.rootPassword, '-f', ldif], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }
  accepted = 0;

  return {
    url: `ldap://127.0.0.1:${port}`,
    port,
    ldapsUrl: tlsPort ? `ldaps://127.0.0.1:${tlsPort}` : undefined,
    tlsPort,
    dir,
    get running() {
      return child !== undefined;
    },
    connections: () => accepted,
    log: () => [...logLines],
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
