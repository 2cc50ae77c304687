import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** A minimal valid configuration document; tests change one thing at a time. */
export function baseConfig(): Record<string, any> {
  return {
    authenticators: [{ type: 'file', usersFile: 'users.yaml' }],
    routes: [
      { name: 'app', prefix: '/app/', upstream: 'http://127.0.0.1:9001/' },
      { name: 'admin', prefix: '/admin/', upstream: 'http://127.0.0.1:9002/', policy: { allowRoles: ['admin'] } },
    ],
  };
}

export interface TempDir {
  dir: string;
  write(name: string, content: string | object): Promise<string>;
  cleanup(): Promise<void>;
}

export async function tempDir(): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-config-'));
  return {
    dir,
    async write(name, content) {
      const file = join(dir, name);
      const text = typeof content === 'string' ? content : name.endsWith('.json') ? JSON.stringify(content, null, 2) : stringify(content);
      await writeFile(file, text);
      return file;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
