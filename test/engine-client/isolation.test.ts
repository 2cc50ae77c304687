/**
 * Importing portcullis/engine-client must not load gateway code, LDAP, SAML or Redis: an
 * engine installs it without them. A fresh node process imports engine-client/index.ts with
 * a module.register() resolve hook that writes every resolved URL to a file (so real ESM
 * loads are seen, not only require.cache), and also lists require.cache for CommonJS.
 * A control run imports ldapts and ioredis to prove the detector sees such loads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const FORBIDDEN = [/[\\/]node_modules[\\/]ldapts[\\/]/, /[\\/]node_modules[\\/]@node-saml[\\/]/, /[\\/]node_modules[\\/]ioredis[\\/]/, /[\\/]gateway[\\/]/];

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ec-isolation-'));
  // the hook runs on the loader thread; appendFileSync keeps every line even on a crash
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function initialize(data) { globalThis.__log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(globalThis.__log, result.url + '\\n');
  return result;
}
`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)}, { data: { log: process.env.EC_LOAD_LOG } });
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Import `entries` in a fresh node (with tsx) and return every module it loaded. */
function loadedModules(entries: string[], name: string): string[] {
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const script = `
import { createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
for (const entry of ${JSON.stringify(entries)}) await import(entry);
const require = createRequire(import.meta.url);
appendFileSync(process.env.EC_LOAD_LOG, Object.keys(require.cache).map((f) => 'cjs:' + f).join('\\n') + '\\n');
`;
  const run = spawnSync(process.execPath, ['--conditions=portcullis-source', '--import', 'tsx', '--import', pathToFileURL(join(dir, 'register.mjs')).href, '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, EC_LOAD_LOG: log, NODE_OPTIONS: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

describe('engine-client isolation', () => {
  it('importing engine-client loads no gateway, LDAP, SAML or Redis module', () => {
    const loaded = loadedModules([pathToFileURL(join(ROOT, 'engine-client/index.ts')).href], 'engine-client');
    // the detector saw the real loads (otherwise an empty list would pass trivially)
    expect(loaded.some((url) => url.endsWith('/engine-client/index.ts'))).toBe(true);
    expect(loaded.some((url) => url.endsWith('/engine-client/token/verify.ts'))).toBe(true);
    expect(loaded.some((url) => /[\\/]node_modules[\\/]jose[\\/]/.test(url))).toBe(true);
    const offending = loaded.filter((url) => FORBIDDEN.some((pattern) => pattern.test(url)));
    expect(offending).toEqual([]);
  });

  it('control: the detector does see ldapts and ioredis when they are imported', () => {
    const loaded = loadedModules(['ldapts', 'ioredis'], 'control');
    const offending = loaded.filter((url) => FORBIDDEN.some((pattern) => pattern.test(url)));
    expect(offending.some((url) => url.includes('ldapts'))).toBe(true);
    expect(offending.some((url) => url.includes('ioredis'))).toBe(true);
  });
});
