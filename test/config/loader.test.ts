import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULTS,
  DEMO_CONFIG_PATH,
  formatProblem,
  isDemoEngineUpstream,
  loadConfig,
  validateConfig,
} from '../../config/index.js';
import type { ConfigProblem } from '../../config/index.js';
import { baseConfig, tempDir, type TempDir } from './helpers.js';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await tmp.cleanup();
});

/** Load and expect a ConfigError; answers it. */
async function loadFails(file: string | undefined, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  try {
    await loadConfig(file, { env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected loadConfig to fail');
}

function lines(problems: readonly ConfigProblem[]): string[] {
  return problems.map(formatProblem);
}

describe('loadConfig: a valid file', () => {
  it('applies every default and returns the config folder', async () => {
    const file = await tmp.write('portcullis.yaml', baseConfig());
    const loaded = await loadConfig(file, { env: {} });
    expect(loaded.configDir).toBe(tmp.dir);
    expect(loaded.file).toBe(file);
    expect(loaded.isDemo).toBe(false);
    expect(loaded.config.server).toEqual({ ...DEFAULTS.server, trustedProxies: [], stripHeaders: [], allowedHosts: [], shutdown: DEFAULTS.operations.shutdown });
    expect(loaded.config.session.idleTimeoutSeconds).toBe(DEFAULTS.session.idleTimeoutSeconds);
    expect(loaded.config.tokens.algorithm).toBe('EdDSA');
    expect(loaded.config.tokens.lifetimeSeconds).toBe(DEFAULTS.tokens.lifetimeSeconds);
    expect(loaded.config.authenticators[0]).toMatchObject({ type: 'file', name: 'file' });
    expect(loaded.config.routes[0]!.requireSession).toBe(true);
    expect(loaded.config.logLevel).toBe('info');
    expect(loaded.warnings).toEqual([]);
  });

  it('reads JSON as well as YAML', async () => {
    const file = await tmp.write('portcullis.json', baseConfig());
    const loaded = await loadConfig(file, { env: {} });
    expect(loaded.config.routes.map((r) => r.name)).toEqual(['app', 'admin']);
  });

  it('resolves a relative path against cwd', async () => {
    await tmp.write('portcullis.yaml', baseConfig());
    const loaded = await loadConfig('portcullis.yaml', { env: {}, cwd: tmp.dir });
    expect(loaded.file).toBe(join(tmp.dir, 'portcullis.yaml'));
  });

  it('freezes the result deeply', async () => {
    const loaded = await loadConfig(await tmp.write('c.yaml', baseConfig()), { env: {} });
    expect(Object.isFrozen(loaded)).toBe(true);
    expect(Object.isFrozen(loaded.config)).toBe(true);
    expect(Object.isFrozen(loaded.config.routes)).toBe(true);
    expect(Object.isFrozen(loaded.config.routes[1]!.policy.allowRoles)).toBe(true);
    expect(() => {
      (loaded.config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('does not write overrides into the caller document', () => {
    const doc = baseConfig();
    validateConfig(doc, { configDir: tmp.dir, env: { PORTCULLIS_SERVER__PORT: '9999' } });
    expect(doc.server).toBeUndefined();
  });
});

describe('loadConfig: the embedded demo configuration', () => {
  it('loads with no path: demo engine on, file users, /app/ and /admin/ on the demo engine', async () => {
    const loaded = await loadConfig(undefined, { env: {} });
    expect(loaded.isDemo).toBe(true);
    expect(loaded.file).toBe(DEMO_CONFIG_PATH);
    const { config } = loaded;
    expect(config.demoEngine.enabled).toBe(true);
    expect(config.server.port).toBe(8080);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.authenticators).toHaveLength(1);
    expect(config.authenticators[0]).toMatchObject({ type: 'file', usersFile: 'demo-users.yaml' });
    const [app, admin] = config.routes;
    expect(app).toMatchObject({ name: 'app', prefix: '/app/' });
    expect(app!.policy.allowRoles).toEqual([]);
    expect(admin).toMatchObject({ name: 'admin', prefix: '/admin/' });
    expect(admin!.policy.allowRoles).toEqual(['admin']);
    expect(config.routes.every((r) => isDemoEngineUpstream(r.upstream))).toBe(true);
  });

  it('refuses to run the demo under NODE_ENV=production', async () => {
    const err = await loadFails(undefined, { NODE_ENV: 'production' });
    expect(err.code).toBe('CONFIG_DEMO_REFUSED');
  });
});

describe('loadConfig: validation problems carry the option path', () => {
  it('a bad URL: routes[1].upstream: must be a URL', async () => {
    const doc = baseConfig();
    doc.routes[1].upstream = 'not a url';
    const err = await loadFails(await tmp.write('c.yaml', doc));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(lines(err.problems)).toEqual(['routes[1].upstream: must be a URL']);
    expect(err.message).toContain('routes[1].upstream: must be a URL');
  });

  it('an unknown key, with a suggestion for a typo', async () => {
    const doc = { ...baseConfig(), server: { prot: 9090 }, colour: 'blue' };
    const err = await loadFails(await tmp.write('c.yaml', doc));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(lines(err.problems).sort()).toEqual(['colour: unknown option', 'server.prot: unknown option (did you mean "port"?)']);
  });

  it('an unknown key inside a list entry', async () => {
    const doc = baseConfig();
    doc.routes[0].upstrem = 'http://x/';
    const err = await loadFails(await tmp.write('c.yaml', doc));
    expect(lines(err.problems)).toContain('routes[0].upstrem: unknown option (did you mean "upstream"?)');
  });

  it('a wrong type', async () => {
    const doc = { ...baseConfig(), server: { port: 'eighty' } };
    const err = await loadFails(await tmp.write('c.yaml', doc));
    expect(lines(err.problems)).toEqual(['server.port: must be a number (got a string)']);
  });

  it('an out-of-range number, a bad enum and a missing required option, all at once', async () => {
    const doc = { ...baseConfig(), server: { port: 70000 }, logLevel: 'loud', routes: [{ prefix: '/app/', upstream: 'http://127.0.0.1:9/' }] };
    const err = await loadFails(await tmp.write('c.yaml', doc));
    expect(lines(err.problems).sort()).toEqual([
      'logLevel: must be one of: fatal, error, warn, info, debug, trace, silent',
      'routes[0].name: is required',
      'server.port: must be at most 65535',
    ]);
  });

  it('a route without upstream needs forward authentication; a host route has no upstream; the proxies must be named', async () => {
    const doc = {
      ...baseConfig(),
      routes: [
        { name: 'app', prefix: '/app/' },
        { name: 'site', host: 'site.test', upstream: 'http://127.0.0.1:9/' },
      ],
    };
    const err = await loadFails(await tmp.write('c.yaml', doc));
    expect(lines(err.problems).sort()).toEqual([
      'routes[0].upstream: is required unless forwardAuth.enabled is true (a route without upstream serves forward authentication only)',
      'routes[1].host: matches forward-authentication requests only: remove upstream, or match by prefix',
    ]);
    const noProxies = await loadFails(await tmp.write('d.yaml', { ...baseConfig(), forwardAuth: { enabled: true, cacheSeconds: 60 } }));
    expect(lines(noProxies.problems).sort()).toEqual([
      'forwardAuth.cacheSeconds: must be less than tokens.renewBeforeSeconds (60), so a cached answer never carries an expired token',
      'forwardAuth.trustedProxies: name the proxies allowed to ask the verify endpoint (or give forwardAuth.socket for a proxy on this host)',
    ]);
  });

  it('an unknown authenticator type names the allowed ones', async () => {
    const doc = { ...baseConfig(), authenticators: [{ type: 'kerberos' }] };
    const err = await loadFails(await tmp.write('c.yaml', doc));
    expect(lines(err.problems)).toEqual(['authenticators[0].type: must be one of: file, ldap, saml, oidc, header, basic, mtls, module, pam']);
  });

  it('no authenticator at all', async () => {
    const err = await loadFails(await tmp.write('c.yaml', { routes: [] }));
    expect(lines(err.problems)).toEqual(['authenticators: is required']);
  });

  it('record keys that are not identifiers are quoted', async () => {
    const doc = baseConfig();
    doc.authenticators[0].roleMapping = { map: { 'cn=admins,ou=groups': 5 } };
    const err = await loadFails(await tmp.write('c.yaml', doc));
    expect(err.problems[0]!.path).toBe('authenticators[0].roleMapping.map["cn=admins,ou=groups"]');
  });

  it('cross-option rules: duplicate route names and prefixes, timeouts, token renewal, upstream scheme', async () => {
    const doc = baseConfig();
    doc.routes.push({ name: 'app', prefix: '/admin/', upstream: 'ftp://files.example/' });
    doc.session = { idleTimeoutSeconds: 600, absoluteTimeoutSeconds: 300 };
    doc.tokens = { lifetimeSeconds: 60, renewBeforeSeconds: 60 };
    const err = await loadFails(await tmp.write('c.yaml', doc));
    expect(lines(err.problems).sort()).toEqual([
      'routes[2].name: duplicate route name "app" (also routes[0])',
      'routes[2].prefix: duplicate route prefix "/admin/" (also routes[1])',
      'routes[2].upstream: must be an http:// or https:// URL',
      'session.absoluteTimeoutSeconds: must be at least session.idleTimeoutSeconds (600)',
      'tokens.renewBeforeSeconds: must be less than tokens.lifetimeSeconds (60)',
    ]);
  });

  it('a document that is not a mapping', async () => {
    const err = await loadFails(await tmp.write('c.yaml', '- just\n- a list\n'));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(lines(err.problems)).toEqual(['(root): must be a mapping of options']);
  });

  it('an empty file reports what is required', async () => {
    const err = await loadFails(await tmp.write('c.yaml', ''));
    expect(lines(err.problems)).toEqual(['authenticators: is required']);
  });
});

describe('loadConfig: files that cannot be used', () => {
  it('a missing file', async () => {
    const err = await loadFails(join(tmp.dir, 'nope.yaml'));
    expect(err.code).toBe('CONFIG_FILE_NOT_FOUND');
    expect(err.file).toBe(join(tmp.dir, 'nope.yaml'));
  });

  it('a directory', async () => {
    const err = await loadFails(tmp.dir);
    expect(err.code).toBe('CONFIG_FILE_UNREADABLE');
  });

  it.skipIf(process.getuid?.() === 0)('a file without read permission', async () => {
    const file = await tmp.write('c.yaml', baseConfig());
    await chmod(file, 0o000);
    const err = await loadFails(file);
    expect(err.code).toBe('CONFIG_FILE_UNREADABLE');
  });

  it('invalid YAML reports the line and column', async () => {
    const file = await tmp.write('c.yaml', 'server:\n  port: 8080\nroutes: [a, b\nlogLevel: info\n');
    const err = await loadFails(file);
    expect(err.code).toBe('CONFIG_PARSE_ERROR');
    expect((err as ConfigError & { line: number }).line).toBe(4);
    expect(err.message).toMatch(/c\.yaml:4:\d+: /);
  });

  it('duplicate keys in YAML are a parse error with a line', async () => {
    const file = await tmp.write('c.yaml', 'logLevel: info\nserver: {}\nlogLevel: debug\n');
    const err = await loadFails(file);
    expect(err.code).toBe('CONFIG_PARSE_ERROR');
    expect((err as ConfigError & { line: number }).line).toBe(3);
  });

  it('invalid JSON reports the line, and never quotes the file', async () => {
    const file = await tmp.write('c.json', '{\n  "server": {"port": 8080}\n  "secret": "hunter2"\n}');
    const err = await loadFails(file);
    expect(err.code).toBe('CONFIG_PARSE_ERROR');
    expect((err as ConfigError & { line: number }).line).toBe(3);
    expect(err.message).not.toContain('hunter2');
  });
});

describe('loadConfig: environment overrides', () => {
  it('PORTCULLIS_SERVER__PORT=9090 sets server.port as a number; JSON values are parsed', async () => {
    const file = await tmp.write('c.yaml', baseConfig());
    const loaded = await loadConfig(file, {
      env: {
        PORTCULLIS_SERVER__PORT: '9090',
        PORTCULLIS_SERVER__TRUSTED_PROXIES: '["10.0.0.0/8"]',
        PORTCULLIS_SESSION__IDLE_TIMEOUT_SECONDS: '600',
        PORTCULLIS_LOG_LEVEL: 'debug',
        PORTCULLIS_ROUTES__1__UPSTREAM: 'http://10.1.2.3:8080/',
        PORTCULLIS_server__dataDir: '/var/lib/portcullis',
      },
    });
    expect(loaded.config.server.port).toBe(9090);
    expect(loaded.config.server.trustedProxies).toEqual(['10.0.0.0/8']);
    expect(loaded.config.server.dataDir).toBe('/var/lib/portcullis');
    expect(loaded.config.session.idleTimeoutSeconds).toBe(600);
    expect(loaded.config.logLevel).toBe('debug');
    expect(loaded.config.routes[1]!.upstream).toBe('http://10.1.2.3:8080/');
    expect(loaded.config.routes[0]!.upstream).toBe('http://127.0.0.1:9001/');
  });

  it('a bad override is reported at its option path and names the variable', async () => {
    const file = await tmp.write('c.yaml', baseConfig());
    const err = await loadFails(file, { PORTCULLIS_ROUTES__1__UPSTREAM: 'nope', PORTCULLIS_SERVER__PROT: '1' });
    expect(lines(err.problems).sort()).toEqual([
      'routes[1].upstream: must be a URL (from PORTCULLIS_ROUTES__1__UPSTREAM)',
      'server.prot: unknown option (did you mean "port"?) (from PORTCULLIS_SERVER__PROT)',
    ]);
  });

  it('variables that name no top-level option are left alone; override-shaped ones warn', async () => {
    const file = await tmp.write('c.yaml', baseConfig());
    const loaded = await loadConfig(file, { env: { PORTCULLIS_CONFIG: '/etc/x.yaml', PORTCULLIS_SERVR__PORT: '1', OTHER: 'x' } });
    expect(loaded.warnings).toEqual([{ code: 'CONFIG_ENV_IGNORED', message: expect.stringContaining('PORTCULLIS_SERVR__PORT') }]);
  });

  it('command-line overrides win over the environment', async () => {
    const file = await tmp.write('c.yaml', baseConfig());
    const loaded = await loadConfig(file, {
      env: { PORTCULLIS_SERVER__PORT: '9090' },
      overrides: [{ path: 'server.port', value: 7070, source: '--port' }],
    });
    expect(loaded.config.server.port).toBe(7070);
    const err = await loadConfig(file, { env: {}, overrides: [{ path: 'server.port', value: -1, source: '--port' }] }).catch((e) => e);
    expect(lines(err.problems)).toEqual(['server.port: must be at least 0 (from --port)']);
  });
});

describe('loadConfig: secret references', () => {
  function withPassphrase(ref: string): Record<string, any> {
    return { ...baseConfig(), tokens: { privateKeyPassphrase: ref } };
  }

  it('resolvable references stay references in the config and resolve on demand', async () => {
    await tmp.write('passphrase.txt', 'from-a-file\n');
    const file = await tmp.write('c.yaml', withPassphrase('file://passphrase.txt'));
    const loaded = await loadConfig(file, { env: {} });
    expect(loaded.config.tokens.privateKeyPassphrase).toBe('file://passphrase.txt');
    expect(await loaded.resolveSecret('file://passphrase.txt')).toBe('from-a-file');
  });

  it('a missing environment variable is a problem at the option path, with its code', async () => {
    const file = await tmp.write('c.yaml', withPassphrase('env://KEY_PASSPHRASE'));
    const err = await loadFails(file);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.problems).toEqual([expect.objectContaining({ path: 'tokens.privateKeyPassphrase', code: 'CONFIG_SECRET_ENV_MISSING' })]);
    const ok = await loadConfig(file, { env: { KEY_PASSPHRASE: 's3cret' } });
    expect(await ok.resolveSecret('env://KEY_PASSPHRASE')).toBe('s3cret');
  });

  it('an unreadable secret file', async () => {
    const file = await tmp.write('c.yaml', withPassphrase('file://missing.txt'));
    const err = await loadFails(file);
    expect(err.problems).toEqual([expect.objectContaining({ path: 'tokens.privateKeyPassphrase', code: 'CONFIG_SECRET_FILE_UNREADABLE' })]);
  });

  it('a value that is not a reference is refused by the schema and not echoed', async () => {
    const file = await tmp.write('c.yaml', withPassphrase('vault://hunter2'));
    const err = await loadFails(file);
    expect(err.problems[0]!.path).toBe('tokens.privateKeyPassphrase');
    expect(err.message).not.toContain('hunter2');
  });

  it('an inline plain:// secret loads with a warning that does not show it', async () => {
    const file = await tmp.write('c.yaml', withPassphrase('plain://hunter2'));
    const loaded = await loadConfig(file, { env: {} });
    expect(loaded.warnings.map((w) => w.code)).toEqual(['CONFIG_SECRET_PLAIN']);
    expect(JSON.stringify(loaded.warnings)).not.toContain('hunter2');
  });
});

describe('documentation', () => {
  it('every config error code is documented in the header of config/errors.ts', async () => {
    const { readFile } = await import('node:fs/promises');
    const { CONFIG_ERROR_CODES } = await import('../../config/index.js');
    const source = await readFile(new URL('../../config/errors.ts', import.meta.url), 'utf8');
    const header = source.slice(0, source.indexOf('*/'));
    for (const code of CONFIG_ERROR_CODES) expect(header).toMatch(new RegExp(` \\* - ${code}\\s`));
  });
});

describe('null means not set', () => {
  it('an empty section and a null option take the defaults', async () => {
    const file = await tmp.write('c.yaml', 'server:\n  # port: 9090\ntokens:\n  issuer: ~\n' + (await import('yaml')).stringify(baseConfig()));
    const loaded = await loadConfig(file, { env: { PORTCULLIS_LOG_LEVEL: 'null' } });
    expect(loaded.config.server.port).toBe(DEFAULTS.server.port);
    expect(loaded.config.tokens.issuer).toBeUndefined();
    expect(loaded.config.logLevel).toBe('info');
  });
});
