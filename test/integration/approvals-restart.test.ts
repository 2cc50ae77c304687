/**
 * A gateway process killed (SIGKILL) after an approval and before the request could be sent:
 * the next gateway on the same file store sends it, once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { RecordingEngine, approvalConfig, loggedIn } from '../support/approvals.js';
import { MAIN, SOURCE_FLAGS } from '../gateway/cli/run-cli.js';

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

function startChild(dir: string, config: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...SOURCE_FLAGS, MAIN, 'start', '--config', config, '--port', '0', '--data-dir', join(dir, 'data')], { cwd: dir, env: { PATH: process.env.PATH, NODE_ENV: 'test' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`the gateway did not start: ${stderr}`)), 30_000);
    child.stderr!.on('data', (d) => {
      stderr += d;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    });
    child.stdout!.resume();
    child.once('exit', (code) => reject(new Error(`the gateway exited (${code}): ${stderr}`)));
  });
}

describe('a gateway killed between approval and sending', () => {
  const engine = new RecordingEngine();
  let restarted: TestGateway | undefined;
  let child: ChildProcess | undefined;

  afterAll(async () => {
    child?.kill('SIGKILL');
    await restarted?.stop();
    await engine.stop();
  });

  it('the next start on the same store sends it once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-restart-'));
    await engine.start();
    const port = Number(new URL(engine.url).port);
    const config = await approvalConfig(dir, engine.url, { demoEngine: { enabled: false } });
    const file = join(dir, 'gateway.yaml');
    await writeFile(file, stringify(config));
    const started = await startChild(dir, file);
    child = started.child;
    engine.trust(started.url, 'portcullis-approvals');

    const carol = await loggedIn(started.url, 'carol');
    const bob = await loggedIn(started.url, 'bob');
    const { approvalId } = (await carol.request('POST', '/admin-api/users', JSON.stringify({ loginId: 'after-the-crash' }), JSON_HEADERS)).json();
    await engine.stop(); // nothing can leave the gateway now
    const approved = await bob.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve' }), JSON_HEADERS);
    expect(approved.json()).toMatchObject({ state: 'approved' });
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    child = undefined;

    await engine.start(port);
    restarted = await startTestGateway(() => config, {}, { dir });
    engine.trust(restarted.url, 'portcullis-approvals');
    const deadline = Date.now() + 10_000;
    while (engine.received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(engine.received).toHaveLength(1);
    expect(engine.received[0]!.body).toContain('after-the-crash');
    expect(engine.received[0]!.identity.userId).toBe('carol');
    expect(engine.received[0]!.identity.approval?.approvedBy).toEqual(['bob']);
    await new Promise((r) => setTimeout(r, 2500)); // more sweeps: still once
    expect(engine.received).toHaveLength(1);
  }, 60_000);
});
