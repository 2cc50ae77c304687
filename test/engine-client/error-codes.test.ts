/**
 * Every code engine-client (and policies) throws is in its package's code table and on its
 * docs page, and every engine-client error kind is an EngineClientError. The source is scanned
 * for codes passed to error constructors, so a new code cannot slip past the table.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as engineClient from '../../engine-client/index.js';
import { ERROR_CODES, EngineClientError } from '../../engine-client/errors.js';
import { POLICY_ERROR_CODES } from '../../policies/errors.js';
import { FILTER_ERROR_CODES } from '../../filters/errors.js';
import { GATEWAY_ERROR_CODES, GatewayError } from '../../gateway/errors.js';
import { UsersFileError } from '../../gateway/users/errors.js';
import { CliError, UsageError } from '../../gateway/cli/command.js';
import { CertsError } from '../../gateway/certs/errors.js';
import { AuthenticatorSetupError } from '../../gateway/authenticators/registry.js';
import { CONFIG_ERROR_CODES } from '../../config/errors.js';

const ROOT = resolve(import.meta.dirname, '../..');

function sources(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'dist' || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
    }
  };
  walk(join(ROOT, folder));
  return out;
}

/**
 * EndpointUnreachableError is the pool's failover signal, not a refusal: its `code` is a
 * failure label for pool state and logs (ECONNREFUSED, HTTP_503, LDAP_TIMEOUT), and it reaches
 * a caller only as the `cause` of POOL_ALL_DOWN or IDENTITY_BACKEND_UNAVAILABLE.
 */
const FAILOVER_SIGNAL = 'EndpointUnreachableError';

/** codes handed to an error constructor: super('CODE', ...), new XError('CODE', ...), or a code union of one */
function thrownCodes(folder: string): Set<string> {
  const codes = new Set<string>();
  for (const file of sources(folder)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:super|new ([A-Z]\w*Error))\(\s*'([A-Z][A-Z0-9_]+)'/g)) if (m[1] !== FAILOVER_SIGNAL) codes.add(m[2]!);
    // a constructor that takes the code as a parameter names the allowed ones in a union
    for (const m of text.matchAll(/constructor\(code: ((?:'[A-Z][A-Z0-9_]+'(?: \| )?)+)/g)) for (const c of m[1]!.matchAll(/'([A-Z0-9_]+)'/g)) codes.add(c[1]!);
  }
  return codes;
}

describe('error code tables', () => {
  it('engine-client: every thrown code is in ERROR_CODES and in docs/engine-client.md', () => {
    const thrown = thrownCodes('engine-client');
    expect(thrown.size).toBeGreaterThan(15); // the scan sees the constructors
    const doc = readFileSync(join(ROOT, 'docs/engine-client.md'), 'utf8');
    for (const code of thrown) expect(Object.keys(ERROR_CODES), code).toContain(code);
    for (const code of Object.keys(ERROR_CODES)) expect(doc, code).toContain('| `' + code + '` |');
  });

  it('engine-client: every exported error class is an EngineClientError', () => {
    const classes = Object.entries(engineClient).filter(([name, value]) => typeof value === 'function' && /^[A-Z]\w*Error$/.test(name) && name !== FAILOVER_SIGNAL);
    expect(classes.length).toBeGreaterThan(15);
    for (const [name, value] of classes) expect((value as { prototype: unknown }).prototype instanceof EngineClientError || value === EngineClientError, name).toBe(true);
  });

  it('filters: every thrown code is in FILTER_ERROR_CODES and in docs/filters.md', () => {
    const thrown = thrownCodes('filters');
    expect(thrown.size).toBeGreaterThanOrEqual(7);
    const doc = readFileSync(join(ROOT, 'docs/filters.md'), 'utf8');
    for (const code of thrown) expect(Object.keys(FILTER_ERROR_CODES), code).toContain(code);
    for (const code of Object.keys(FILTER_ERROR_CODES)) expect(doc, code).toContain('| `' + code + '` |');
  });

  it('gateway: every coded error class of the gateway is a GatewayError with code, status and expose', () => {
    const samples = [
      new UsersFileError('USER_NOT_FOUND', 'no user x', { file: 'users.yaml' }),
      new CliError('CLI_ABORTED', 'aborted'),
      new UsageError('missing argument'),
      new CertsError('CERTS_OPTION', 'bad option'),
      new AuthenticatorSetupError('bad authenticator'),
    ];
    for (const err of samples) {
      expect(err, err.name).toBeInstanceOf(GatewayError);
      expect(typeof err.code, err.name).toBe('string');
      expect(err.expose, err.name).toBe(err.statusCode < 500);
    }
    // every class in the source that extends Error directly is the base or a parse detail
    const direct = sources('gateway').flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/class (\w+) extends Error\b/g)].map((m) => m[1]));
    expect(direct.sort()).toEqual(['GatewayError', 'XmlParseError']);
  });

  it('gateway: every GW_ code in the source is in GATEWAY_ERROR_CODES and in the README error table', () => {
    const used = new Set<string>();
    for (const file of sources('gateway')) for (const m of readFileSync(file, 'utf8').matchAll(/'(GW_[A-Z0-9_]+)'/g)) used.add(m[1]!);
    expect(used.size).toBeGreaterThan(15);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Errors'), readme.indexOf('\n## ', readme.indexOf('## Errors') + 3));
    for (const code of used) expect(Object.keys(GATEWAY_ERROR_CODES), code).toContain(code);
    for (const code of Object.keys(GATEWAY_ERROR_CODES)) expect(table, code).toContain('`' + code + '`');
  });

  it('config: every thrown CONFIG_ code is in CONFIG_ERROR_CODES and in docs/configuration.md', () => {
    // warnings (CONFIG_ENV_IGNORED, CONFIG_SECRET_PLAIN) are not errors: only constructor arguments count
    const used = [...thrownCodes('config')].filter((code) => code.startsWith('CONFIG_'));
    expect(used.length).toBeGreaterThan(3);
    const doc = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
    for (const code of used) expect(CONFIG_ERROR_CODES as readonly string[], code).toContain(code);
    for (const code of CONFIG_ERROR_CODES) expect(doc, code).toContain('`' + code + '`');
  });

  it('policies: every thrown code is in POLICY_ERROR_CODES and in docs/policies.md', () => {
    const thrown = thrownCodes('policies');
    expect(thrown.size).toBeGreaterThan(0);
    const doc = readFileSync(join(ROOT, 'docs/policies.md'), 'utf8');
    for (const code of thrown) expect(Object.keys(POLICY_ERROR_CODES), code).toContain(code);
    for (const code of Object.keys(POLICY_ERROR_CODES)) expect(doc, code).toContain(code);
  });
});
