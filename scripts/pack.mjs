#!/usr/bin/env node
// Pack workspace packages for installing elsewhere:  node scripts/pack.mjs [--out DIR] engine-client policies
// The `portcullis-source` export condition points at TypeScript files a tarball does not ship,
// so each package is staged in a temporary folder (its package.json without that condition and
// without life-cycle scripts, its built dist/, README) and `npm pack` runs there. The checkout's
// package.json is never rewritten, so tests and type checks running meanwhile are unaffected.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = resolve(outAt >= 0 ? args.splice(outAt, 2)[1] : join(ROOT, 'packs'));
const folders = args.length ? args : ['policies', 'engine-client'];

function withoutSourceCondition(value) {
  if (value === null || typeof value !== 'object') return value;
  const copy = {};
  for (const [key, inner] of Object.entries(value)) if (key !== 'portcullis-source') copy[key] = withoutSourceCondition(inner);
  return copy;
}

mkdirSync(out, { recursive: true });
for (const folder of folders) {
  const dir = join(ROOT, folder);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!existsSync(join(dir, manifest.main ?? 'dist/index.js'))) throw new Error(`${manifest.name}: ${manifest.main} is missing; run \`npm run build\` first`);
  const stage = mkdtempSync(join(tmpdir(), 'portcullis-pack-'));
  try {
    const { scripts: _lifeCycle, devDependencies: _dev, ...published } = manifest;
    writeFileSync(join(stage, 'package.json'), JSON.stringify({ ...published, exports: withoutSourceCondition(manifest.exports) }, null, 2) + '\n');
    cpSync(join(dir, 'dist'), join(stage, 'dist'), { recursive: true, filter: (src) => !/\.(test|spec)\./.test(src) && !src.endsWith('.tsbuildinfo') });
    if (existsSync(join(dir, 'README.md'))) cpSync(join(dir, 'README.md'), join(stage, 'README.md'));
    const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: stage, encoding: 'utf8' }).trim().split('\n').at(-1);
    process.stdout.write(join(out, name) + '\n');
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
