/**
 * `portcullis mail test` against a real SMTP server with STARTTLS and AUTH: it sends, and
 * when the password is wrong or TLS cannot be trusted it says which step failed, without
 * printing the password.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevCertificates } from '../../../gateway/certs/index.js';
import { TestSmtp } from '../../support/smtp.js';
import { runPortcullis } from './run-cli.js';

describe('portcullis mail test', () => {
  let dir: string;
  let smtp: TestSmtp;
  let ca: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-mail-cli-'));
    const certs = await createDevCertificates({ dir: join(dir, 'pki'), hosts: ['127.0.0.1'] });
    ca = certs.ca.cert;
    smtp = new TestSmtp({ auth: { user: 'gw', password: 'right-password' }, tls: { certFile: certs.server.cert, keyFile: certs.server.key } });
    await smtp.start();
    await writeFile(join(dir, 'users.yaml'), 'users: {}\n');
  });
  afterAll(async () => {
    await smtp.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const config = async (name: string, smtpSection: Record<string, unknown>) => {
    const file = join(dir, name);
    await writeFile(file, JSON.stringify({ authenticators: [{ type: 'file', name: 'local', usersFile: 'users.yaml' }], notifications: { enabled: true, from: 'Portcullis <gw@example.test>', smtp: { host: '127.0.0.1', port: smtp.port, ...smtpSection } } }));
    return file;
  };

  it('connects with STARTTLS, authenticates, sends the test message', async () => {
    const file = await config('good.json', { caFile: ca, user: 'gw', password: 'env://SMTP_PASSWORD' });
    const result = await runPortcullis(['mail', 'test', '--config', file, '--to', 'ops@example.test'], { cwd: dir, env: { SMTP_PASSWORD: 'right-password' } });
    expect(result.stdout).toContain('connected and authenticated');
    expect(result.stdout).toContain('test message sent to ops@example.test');
    expect(result.code).toBe(0);
    await smtp.waitFor((m) => m.some((x) => x.rcptTo.includes('ops@example.test')));
    expect(smtp.to('ops@example.test')[0]!.parsed.subject).toBe('Portcullis test message');
  });

  it('a wrong password: exit 1, the server’s answer, not the password', async () => {
    const file = await config('wrong.json', { caFile: ca, user: 'gw', password: 'plain://not-the-password' });
    const result = await runPortcullis(['mail', 'test', '--config', file, '--connect-only'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/EAUTH/);
    expect(result.stdout + result.stderr).not.toContain('not-the-password');
  });

  it('a server certificate from an untrusted CA: exit 1, nothing sent', async () => {
    const before = smtp.received.length;
    const file = await config('untrusted.json', { user: 'gw', password: 'env://SMTP_PASSWORD' });
    const result = await runPortcullis(['mail', 'test', '--config', file, '--to', 'ops@example.test'], { cwd: dir, env: { SMTP_PASSWORD: 'right-password' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/ESOCKET|certificate/i);
    expect(smtp.received.length).toBe(before);
  });
});
