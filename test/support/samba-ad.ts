import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireBinary } from './system-binary.js';

const run = promisify(execFile);
const SAMBA = '/usr/sbin/samba';
const SAMBA_TOOL = '/usr/bin/samba-tool';
/** Samba's Python bindings live in Debian's own interpreter, whatever python3 is on PATH */
const PYTHON = '/usr/bin/python3';

export const AD_REALM = 'PORTCULLIS.TEST';
export const AD_BASE = 'DC=portcullis,DC=test';
export const AD_ADMIN_PASSWORD = 'Adm1n-Passw0rd!';

export interface SambaDc {
  /** the loopback address of its own the DC listens on (LDAP 389, LDAPS 636) */
  address: string;
  ldapsUrl: string;
  /** the DC's self-signed CA certificate (PEM file) */
  caFile: string;
  /** the name in the DC's certificate */
  serverName: string;
  dir: string;
  /** samba-tool against the DC's database, e.g. ['domain', 'passwordsettings', 'set', ...] */
  tool(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A real Active Directory domain controller from Samba, provisioned into a temporary folder
 * and listening on a loopback address of its own (added to `lo` and removed again; LDAP's
 * ports are fixed in Samba). Needs root, as CI has. `bulkGroups` extra groups hold ad-many.
 */
export async function startSambaDc(options: { bulkGroups?: number } = {}): Promise<SambaDc> {
  requireBinary(SAMBA, 'samba-ad-dc');
  requireBinary(SAMBA_TOOL, 'samba-ad-dc');
  requireBinary('/usr/share/samba/setup/ad-schema', 'samba-ad-provision');
  const address = await freeLoopbackAddress();
  execFileSync('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo']);
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-samba-'));
  const netbios = `PTDC${address.split('.')[3]}`;
  const conf = join(dir, 'dc/etc/smb.conf');
  let child: ChildProcess | undefined;
  const cleanup = async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    try {
      execFileSync('ip', ['addr', 'del', `${address}/32`, 'dev', 'lo'], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run(SAMBA_TOOL, [
      'domain', 'provision', `--realm=${AD_REALM}`, '--domain=PORTCULLIS', '--server-role=dc', '--dns-backend=NONE',
      `--adminpass=${AD_ADMIN_PASSWORD}`, `--targetdir=${join(dir, 'dc')}`,
      `--option=interfaces=${address}`, '--option=bind interfaces only=yes', `--option=netbios name=${netbios}`,
      `--option=pid directory=${join(dir, 'dc')}`, '--option=server services=ldap', '--option=log file=' + join(dir, 'samba.log'),
    ], { timeout: 120_000 });
    const populate = new URL('./samba/populate.py', import.meta.url).pathname;
    await run(PYTHON, [populate, conf, join(dir, 'dc/private/sam.ldb'), String(options.bulkGroups ?? 0)], { timeout: 180_000 });
    child = spawn(SAMBA, ['-i', '-s', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    await waitForPort(address, 636, 60_000, () => (child!.exitCode !== null ? `samba exited: ${stderr.slice(-500)}` : undefined));
    const caFile = join(dir, 'dc/private/tls/ca.pem');
    if (!existsSync(caFile)) throw new Error('samba did not write its TLS certificate');
    return {
      address,
      ldapsUrl: `ldaps://${address}`,
      caFile,
      serverName: `${netbios}.${AD_REALM.toLowerCase()}`,
      dir,
      tool: async (args) => (await run(SAMBA_TOOL, [...args, '-s', conf], { timeout: 60_000 })).stdout,
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function freeLoopbackAddress(): Promise<string> {
  const taken = execFileSync('ip', ['-4', 'addr', 'show', 'dev', 'lo'], { encoding: 'utf8' });
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = `127.0.${Math.floor(Math.random() * 200) + 20}.${Math.floor(Math.random() * 200) + 20}`;
    if (!taken.includes(`${candidate}/`)) return candidate;
  }
  throw new Error('no free loopback address');
}

async function waitForPort(host: string, port: number, timeoutMs: number, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const problem = failed();
    if (problem) throw new Error(problem);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`samba did not listen on ${host}:${port} within ${timeoutMs} ms`);
}
