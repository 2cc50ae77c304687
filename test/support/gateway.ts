import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { portcullisConfigSchema, type PortcullisConfigInput } from '../../config/schema/index.js';
import { createLogger } from '../../gateway/logger.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../gateway/server.js';
import { hashPassword } from '../../gateway/users/password-hash.js';

export interface TestUser {
  password: string;
  roles?: string[];
  groups?: string[];
  attributes?: Record<string, string>;
}

export interface TestGateway extends RunningGateway {
  dir: string;
  /** every log line the gateway wrote, as text: tests assert no secret ends up here */
  logs(): string;
  stop(): Promise<void>;
}

/** The demo's users, with cheap scrypt hashes so tests stay fast. */
export const DEMO_USERS: Record<string, TestUser> = {
  alice: { password: 'wonderland', roles: ['user'], attributes: { firstName: 'Alice', lastName: 'Liddell', email: 'alice@example.test' } },
  bob: { password: 'builder', roles: ['user', 'admin'], attributes: { firstName: 'Bob', lastName: 'Builder', email: 'bob@example.test' } },
};

/** Write a users file with the given users into `dir`; answers its path. */
export async function writeUsersFile(dir: string, users: Record<string, TestUser>, name = 'users.yaml'): Promise<string> {
  const lines = ['users:'];
  for (const [login, user] of Object.entries(users)) {
    lines.push(`  ${JSON.stringify(login)}:`);
    lines.push(`    password: ${JSON.stringify(await hashPassword(user.password, { N: 1024 }))}`);
    lines.push(`    roles: ${JSON.stringify(user.roles ?? [])}`);
    lines.push(`    groups: ${JSON.stringify(user.groups ?? [])}`);
    lines.push(`    attributes: ${JSON.stringify(user.attributes ?? {})}`);
  }
  const file = join(dir, name);
  await writeFile(file, lines.join('\n') + '\n');
  return file;
}

/**
 * Start a real gateway (and the demo engine when a route uses it) on free loopback ports,
 * in a temporary folder, capturing its log. `configure` gets the folder and answers the
 * config input; by default the demo setup: alice and bob, /app/ and /admin/.
 */
export async function startTestGateway(
  configure?: (dir: string) => Promise<PortcullisConfigInput> | PortcullisConfigInput,
  env: NodeJS.ProcessEnv = {},
  /** more gateway options (a shared durable store, a folder to reuse across a restart) */
  extra: Partial<GatewayOptions> & { dir?: string } = {},
): Promise<TestGateway> {
  const { dir: reuse, ...more } = extra;
  const dir = reuse ?? (await mkdtemp(join(tmpdir(), 'portcullis-test-')));
  const input = configure ? await configure(dir) : await demoConfig(dir);
  const config = portcullisConfigSchema.parse(input);
  let captured = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      captured += chunk.toString();
      done();
    },
  });
  const logger = createLogger(process.env.PORTCULLIS_TEST_LOG ?? 'info', sink);
  const gateway = await startGateway(config, { configDir: dir, dataDir: join(dir, 'data'), host: '127.0.0.1', port: 0, logger, env: { NODE_ENV: 'test', ...env }, ...more });
  // assign, not spread: `app` and `context` are getters that follow a reload
  return Object.assign(gateway, {
    dir,
    logs: () => captured,
    async stop() {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    },
  });
}

export async function demoConfig(dir: string, users: Record<string, TestUser> = DEMO_USERS): Promise<PortcullisConfigInput> {
  await writeUsersFile(dir, users);
  return {
    authenticators: [{ type: 'file', name: 'local', usersFile: 'users.yaml' }],
    routes: [
      { name: 'app', prefix: '/app/', upstream: 'http://demo-engine.invalid' },
      { name: 'admin', prefix: '/admin/', upstream: 'http://demo-engine.invalid', policy: { allowRoles: ['admin'] } },
    ],
    demoEngine: { enabled: true },
  };
}
