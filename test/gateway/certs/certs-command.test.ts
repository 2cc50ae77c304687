import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certsCommand } from '../../../gateway/certs/certs-command.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'portcullis-certs-cli-'));
});
afterAll(() => rm(cwd, { recursive: true, force: true }));

function io() {
  let out = '';
  return {
    io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, stdin: new PassThrough(), env: {}, cwd },
    out: () => out,
  };
}

describe('portcullis certs', () => {
  it('writes CA, server and clients into data/certs and prints the fingerprints', async () => {
    const run = io();
    expect(await certsCommand.run!(['--client', 'billing', '-c', 'reporting', '--host', 'gw.test'], run.io)).toBe(0);
    for (const f of ['ca.crt', 'ca.key', 'server.crt', 'server.key', 'client-billing.crt', 'client-reporting.key']) {
      expect((await stat(join(cwd, 'data', 'certs', f))).isFile()).toBe(true);
    }
    expect(run.out()).toMatch(/created client-billing\.crt  O=Portcullis Dev, CN=billing\n      sha256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    const again = io();
    await certsCommand.run!(['--client', 'billing'], again.io);
    expect(again.out()).toContain('kept    client-billing.crt');
  });

  it('refuses bad usage with exit code 2 errors', async () => {
    await expect(certsCommand.run!(['--days', 'soon'], io().io)).rejects.toMatchObject({ code: 'CLI_USAGE', exitCode: 2 });
    await expect(certsCommand.run!(['--bogus'], io().io)).rejects.toMatchObject({ code: 'CLI_USAGE' });
  });
});
