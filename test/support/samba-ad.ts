import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireBinary } from './system-binary.js';
import type { TestPki } from './test-pki.js';

const run = promisify(execFile);
const SAMBA = '/usr/sbin/samba';
const SAMBA_TOOL = '/usr/bin/samba-tool';
/** Samba's Python bindings live in Debian's own interpreter, whatever python3 is on PATH */
const PYTHON = '/usr/bin/python3';

export const AD_REALM = 'PORTCULLIS.TEST';
export const AD_DOMAIN = 'PORTCULLIS';
export const AD_BASE = 'DC=portcullis,DC=test';
export const AD_ADMIN_PASSWORD = 'Adm1n-Passw0rd!';

export interface SambaDcOptions {
  /** extra groups that hold ad-many (more than one AD page of groups) */
  bulkGroups?: number;
  /** let further DCs join this one (adds Samba's CLDAP and RPC services, which the join's DC lookup and replication need) */
  acceptJoins?: boolean;
  /** join the domain of this running DC as one more DC (its users are replicated) instead of provisioning a new domain */
  joinTo?: SambaDc;
  /** present a certificate from this CA (for the DC's address and host name) instead of Samba's self-signed one */
  pki?: TestPki;
}

export interface SambaDc {
  /** the loopback address of its own the DC listens on (LDAP 389, LDAPS 636) */
  address: string;
  ldapsUrl: string;
  /** the CA certificate that signs the DC's certificate (PEM file) */
  caFile: string;
  /** the DC's host name, which its certificate names */
  serverName: string;
  dir: string;
  /** milliseconds from the call to a DC answering on LDAPS (provisioning or join, filling, start) */
  setupMs: number;
  readonly running: boolean;
  /** samba-tool against the DC's database, e.g. ['domain', 'passwordsettings', 'set', ...] */
  tool(args: string[]): Promise<string>;
  /** stop the samba process; the address, the port numbers and the data stay */
  stop(): Promise<void>;
  /** start the stopped DC again with the same data */
  start(): Promise<void>;
  /** stop, remove the address and the temporary folder */
  close(): Promise<void>;
}

/**
 * A real Active Directory domain controller from Samba, provisioned into a temporary folder
 * (or joined to another one's domain) and listening on a loopback address of its own (added
 * to `lo` and removed again; LDAP's ports are fixed in Samba). Needs root, as CI has.
 */
export async function startSambaDc(options: SambaDcOptions = {}): Promise<SambaDc> {
  requireBinary(SAMBA, 'samba-ad-dc');
  requireBinary(SAMBA_TOOL, 'samba-ad-dc');
  requireBinary('/usr/share/samba/setup/ad-schema', 'samba-ad-provision');
  const began = Date.now();
  const address = await freeLoopbackAddress();
  execFileSync('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo']);
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-samba-'));
  const [, , third, fourth] = address.split('.');
  // unique among the DCs of one domain (two DCs on one machine may share the last octet)
  const netbios = `PTDC${third}X${fourth}`;
  const serverName = `${netbios}.${AD_REALM}`.toLowerCase();
  const conf = join(dir, 'dc/etc/smb.conf');
  let child: ChildProcess | undefined;

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    child = undefined;
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM'); // samba's parent takes its worker processes with it
      const killer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    await waitForClosedPort(address, 636, 10_000);
  };
  const start = async () => {
    if (child) return;
    const proc = spawn(SAMBA, ['-i', '-s', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    proc.once('exit', () => {
      if (child === proc) child = undefined;
    });
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    await waitForPort(address, 636, 60_000, () => (child !== proc ? `samba exited: ${stderr.slice(-500)}` : undefined));
  };
  const close = async () => {
    await stop().catch(() => undefined);
    try {
      execFileSync('ip', ['addr', 'del', `${address}/32`, 'dev', 'lo'], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const settings = [
      `interfaces=${address}`, 'bind interfaces only=yes', `netbios name=${netbios}`, `pid directory=${join(dir, 'dc')}`,
      `server services=${options.acceptJoins ? 'ldap cldap rpc' : 'ldap'}`, `log file=${join(dir, 'samba.log')}`,
      ...tlsSettings(options.pki, netbios, serverName, address),
    ].map((s) => `--option=${s}`);
    if (options.joinTo) {
      await run(SAMBA_TOOL, [
        'domain', 'join', AD_REALM.toLowerCase(), 'DC', `--server=${options.joinTo.address}`, `--username=${AD_DOMAIN}\\Administrator`,
        // no DNS in these test domains: NTLM instead of Kerberos, and the domain named outright
        '--use-kerberos=off', `--option=workgroup=${AD_DOMAIN}`, `--option=realm=${AD_REALM}`,
        '--dns-backend=NONE', `--targetdir=${join(dir, 'dc')}`, ...settings,
      ], { timeout: 120_000, env: { ...process.env, PASSWD: AD_ADMIN_PASSWORD } });
    } else {
      await run(SAMBA_TOOL, [
        'domain', 'provision', `--realm=${AD_REALM}`, `--domain=${AD_DOMAIN}`, '--server-role=dc', '--dns-backend=NONE',
        `--adminpass=${AD_ADMIN_PASSWORD}`, `--targetdir=${join(dir, 'dc')}`, ...settings,
      ], { timeout: 120_000 });
      const populate = new URL('./samba/populate.py', import.meta.url).pathname;
      await run(PYTHON, [populate, conf, join(dir, 'dc/private/sam.ldb'), String(options.bulkGroups ?? 0)], { timeout: 180_000 });
    }
    await start();
    const caFile = options.pki ? options.pki.ca.certFile : join(dir, 'dc/private/tls/ca.pem');
    if (!existsSync(caFile)) throw new Error('samba did not write its TLS certificate');
    return {
      address,
      ldapsUrl: `ldaps://${address}`,
      caFile,
      serverName,
      dir,
      setupMs: Date.now() - began,
      get running() {
        return child !== undefined;
      },
      tool: async (args) => (await run(SAMBA_TOOL, [...args, '-s', conf], { timeout: 60_000 })).stdout,
      stop,
      start,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Samba's smb.conf settings for a certificate from the test CA, naming the DC's address and host name. */
function tlsSettings(pki: TestPki | undefined, netbios: string, serverName: string, address: string): string[] {
  if (!pki) return [];
  const cert = pki.server(netbios.toLowerCase(), { dns: [serverName], ip: [address] });
  chmodSync(cert.keyFile, 0o600); // samba refuses a private key others can read
  return ['tls enabled=yes', `tls keyfile=${cert.keyFile}`, `tls certfile=${cert.certFile}`, `tls cafile=${pki.ca.certFile}`];
}

async function freeLoopbackAddress(): Promise<string> {
  const taken = execFileSync('ip', ['-4', 'addr', 'show', 'dev', 'lo'], { encoding: 'utf8' });
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = `127.0.${Math.floor(Math.random() * 200) + 20}.${Math.floor(Math.random() * 200) + 20}`;
    if (!taken.includes(`${candidate}/`)) return candidate;
  }
  throw new Error('no free loopback address');
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function waitForPort(host: string, port: number, timeoutMs: number, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const problem = failed();
    if (problem) throw new Error(problem);
    if (await canConnect(host, port)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`samba did not listen on ${host}:${port} within ${timeoutMs} ms`);
}

async function waitForClosedPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await canConnect(host, port)) {
    if (Date.now() > deadline) throw new Error(`samba still listens on ${host}:${port} after it was stopped`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
