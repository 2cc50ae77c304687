/**
 * Build the packages, pack policies and engine-client as a publisher would (scripts/pack.mjs),
 * and install the tarballs into a fresh temporary project of plain JavaScript ESM with
 * `npm install --omit=dev`: what an engine gets from the registry. jose, lru-cache and undici
 * come from the npm registry. Everything lives in the returned folder; nothing is cached.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** tsc -b writes dist/ in place: two test files building at once must take turns */
async function withBuildLock<T>(run: () => T): Promise<T> {
  const lock = join(tmpdir(), 'portcullis-build.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // a lock older than two minutes is a crashed run's leftover
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (Date.now() > deadline || age > 120_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return run();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface InstalledProject {
  dir: string;
  tarballs: { policies: string; engineClient: string };
  /** run `node` in the project with plain node (no loader), answering stdout */
  node(args: string[], env?: NodeJS.ProcessEnv): string;
  /** the same without blocking this process (when it serves what the script calls) */
  nodeAsync(args: string[], env?: NodeJS.ProcessEnv): Promise<string>;
}

export async function installPackedEngineClient(extraDependencies: string[] = []): Promise<InstalledProject> {
  const dir = mkdtempSync(join(tmpdir(), 'ec-installed-'));
  const packs = join(dir, 'packs');
  const [policies, engineClient] = await withBuildLock(() => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
    return execFileSync(process.execPath, [join(ROOT, 'scripts/pack.mjs'), '--out', packs, 'policies', 'engine-client'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
  });
  const project = join(dir, 'engine');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'plain-js-engine', private: true, type: 'module' }, null, 2));
  const npm = (args: string[]) =>
    execFileSync('npm', [...args, '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline'], {
      cwd: project,
      encoding: 'utf8',
      // npm's own download cache as any `npm install` uses it; the project itself is fresh
      env: { ...process.env, NODE_OPTIONS: '' },
      timeout: 90_000,
    });
  npm(['install', engineClient!, policies!, ...extraDependencies]);
  return {
    dir: project,
    tarballs: { policies: policies!, engineClient: engineClient! },
    node(args, env = {}) {
      return execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 30_000 });
    },
    async nodeAsync(args, env = {}) {
      const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 30_000 });
      return stdout;
    },
  };
}

/** Every package folder under node_modules (scoped and nested ones too). */
export function installedPackages(project: string): string[] {
  const found: string[] = [];
  const walk = (modules: string) => {
    if (!existsSync(modules)) return;
    for (const name of readdirSync(modules)) {
      if (name.startsWith('.')) continue;
      const path = join(modules, name);
      if (name.startsWith('@')) {
        for (const inner of readdirSync(path)) visit(join(path, inner));
      } else visit(path);
    }
  };
  const visit = (path: string) => {
    if (!existsSync(join(path, 'package.json'))) return;
    found.push(path);
    walk(join(path, 'node_modules'));
  };
  walk(join(project, 'node_modules'));
  return found;
}

/** Bytes on disk under a folder. */
export function folderSize(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of readdirSync(path)) total += folderSize(join(path, name));
  return total;
}
