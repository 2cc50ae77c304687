/**
 * Importing @portcullis/engine-client must not load gateway code, LDAP, SAML or Redis: an
 * engine installs it without them. The packed tarball is installed into a fresh plain-JS
 * project (test/support/packed-engine-client.ts); a fresh plain node process there (no loader)
 * imports the package and every subpath but ./ldap and ./policy-files (optional peers), with
 * a module.register() resolve hook that writes every resolved URL to a file (so real ESM
 * loads are seen, not only require.cache), and also lists require.cache for CommonJS.
 * A control run, in the checkout, imports ldapts and ioredis to prove the detector sees such
 * loads. The same project also answers the installed package count and size.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderSize, installedPackages, installPackedEngineClient, type InstalledProject } from '../support/packed-engine-client.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FORBIDDEN = [/[\\/]node_modules[\\/]ldapts[\\/]/, /[\\/]node_modules[\\/]@node-saml[\\/]/, /[\\/]node_modules[\\/]ioredis[\\/]/, /[\\/]gateway[\\/]/];

let dir: string;
let installed: InstalledProject;

/** what an engine that installs only engine-client may have in node_modules */
const MAX_INSTALLED_PACKAGES = 10;
const SUBPATHS = ['.', './token', './identity', './errors', './http', './express', './fastify', './client-ip', './ip-allow-list', './rest-guard', './technical-users', './obo', './pool', './identity-backend', './authorization', './vault'];

beforeAll(async () => {
  installed = await installPackedEngineClient();
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
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (installed) rmSync(resolve(installed.dir, '..'), { recursive: true, force: true });
});

/** Import `entries` in a fresh plain node in `cwd` and return every module it loaded. */
function loadedModules(entries: string[], name: string, cwd: string): string[] {
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const script = `
import { createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
for (const entry of ${JSON.stringify(entries)}) await import(entry);
const require = createRequire(import.meta.url);
appendFileSync(process.env.EC_LOAD_LOG, Object.keys(require.cache).map((f) => 'cjs:' + f).join('\\n') + '\\n');
`;
  const run = spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, '--input-type=module', '-e', script], {
    cwd,
    env: { ...process.env, EC_LOAD_LOG: log, NODE_OPTIONS: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

describe('engine-client isolation', () => {
  it('importing the installed engine-client loads no gateway, LDAP, SAML or Redis module', () => {
    const entries = SUBPATHS.map((p) => (p === '.' ? '@portcullis/engine-client' : `@portcullis/engine-client/${p.slice(2)}`));
    const loaded = loadedModules(entries, 'engine-client', installed.dir);
    // the detector saw the real loads, from the installed tarball (otherwise an empty list would pass trivially)
    const fromTarball = (path: string) => loaded.some((url) => url.includes('/node_modules/@portcullis/engine-client/dist/' + path));
    expect(fromTarball('index.js')).toBe(true);
    expect(fromTarball('token/verify.js')).toBe(true);
    expect(fromTarball('express.js')).toBe(true);
    expect(loaded.some((url) => /[\\/]node_modules[\\/]jose[\\/]/.test(url))).toBe(true);
    expect(loaded.filter((url) => url.startsWith('file:') && !url.includes('/node_modules/'))).toEqual([]);
    const offending = loaded.filter((url) => FORBIDDEN.some((pattern) => pattern.test(url)));
    expect(offending).toEqual([]);
  });

  it(`an engine installing engine-client gets at most ${MAX_INSTALLED_PACKAGES} packages`, () => {
    const packages = installedPackages(installed.dir).map((path) => path.slice(path.indexOf('node_modules') + 13));
    const bytes = folderSize(resolve(installed.dir, 'node_modules'));
    const own = folderSize(resolve(installed.dir, 'node_modules/@portcullis/engine-client'));
    console.log(`figure engine-client installed: ${packages.length} packages (${packages.sort().join(', ')}), ${(bytes / 1e6).toFixed(1)} MB on disk, engine-client itself ${(own / 1e3).toFixed(0)} kB`);
    expect(packages).toContain('@portcullis/engine-client');
    expect(packages).toContain('jose');
    for (const heavy of ['fastify', 'ldapts', 'ioredis', '@node-saml/node-saml', 'zod', 'yaml', 'tsx', 'esbuild', 'typescript']) expect(packages).not.toContain(heavy);
    expect(packages.length).toBeLessThanOrEqual(MAX_INSTALLED_PACKAGES);
  });

  it('the tarball ships compiled JavaScript and declarations only, and no export names a missing file', () => {
    const listing = installed.node(['-e', `
      const { readdirSync, existsSync, readFileSync } = require('node:fs');
      const { join } = require('node:path');
      const base = 'node_modules/@portcullis/engine-client';
      const files = [];
      const walk = (d) => { for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : files.push(join(d, e.name).slice(base.length + 1)); };
      walk(base);
      const manifest = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8'));
      const targets = Object.values(manifest.exports).flatMap((v) => typeof v === 'string' ? [v] : Object.values(v));
      console.log(JSON.stringify({ files, missing: targets.filter((t) => !existsSync(join(base, t))), conditions: [...new Set(Object.values(manifest.exports).flatMap((v) => typeof v === 'string' ? [] : Object.keys(v)))] }));
    `]);
    const { files, missing, conditions } = JSON.parse(listing) as { files: string[]; missing: string[]; conditions: string[] };
    expect(files.filter((f) => !/\.(js|d\.ts)$/.test(f) && f !== 'package.json' && f !== 'README.md')).toEqual([]);
    expect(files.filter((f) => /\.test\.|(^|\/)test\//.test(f))).toEqual([]);
    expect(files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toBe(false);
    expect(missing).toEqual([]);
    expect(conditions.sort()).toEqual(['default', 'types']);
  });

  it('control: the detector does see ldapts and ioredis when they are imported', () => {
    const loaded = loadedModules(['ldapts', 'ioredis'], 'control', ROOT);
    const offending = loaded.filter((url) => FORBIDDEN.some((pattern) => pattern.test(url)));
    expect(offending.some((url) => url.includes('ldapts'))).toBe(true);
    expect(offending.some((url) => url.includes('ioredis'))).toBe(true);
  });
});
