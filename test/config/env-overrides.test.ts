import { describe, expect, it } from 'vitest';
import { applyOverride, parseOverrideValue, scanEnvOverrides } from '../../config/env-overrides.js';

const TOP = ['server', 'session', 'routes', 'logLevel', 'tokens'];

describe('scanEnvOverrides', () => {
  it('maps UPPER_SNAKE segments to camelCase paths and numeric segments to indices', () => {
    const { overrides } = scanEnvOverrides(
      { PORTCULLIS_SESSION__IDLE_TIMEOUT_SECONDS: '600', PORTCULLIS_ROUTES__0__POLICY__ALLOW_ROLES: '["a"]', PORTCULLIS_LOG_LEVEL: 'warn' },
      TOP,
    );
    expect(overrides.map((o) => o.path)).toEqual([['logLevel'], ['routes', 0, 'policy', 'allowRoles'], ['session', 'idleTimeoutSeconds']]);
    expect(overrides.map((o) => o.value)).toEqual(['warn', ['a'], 600]);
  });

  it('ignores unrelated variables silently and warns about override-shaped typos', () => {
    const scan = scanEnvOverrides({ PORTCULLIS_CONFIG: 'x', PATH: '/bin', PORTCULLIS_SERVRE__PORT: '1' }, TOP);
    expect(scan.overrides).toEqual([]);
    expect(scan.ignored.map((i) => i.name)).toEqual(['PORTCULLIS_SERVRE__PORT']);
  });

  it('refuses prototype-polluting and malformed paths', () => {
    const scan = scanEnvOverrides({ PORTCULLIS_server__constructor__prototype__polluted: '1', PORTCULLIS_SERVER____PORT: '1' }, TOP);
    expect(scan.overrides).toEqual([]);
    expect(scan.ignored).toHaveLength(2);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseOverrideValue', () => {
  it.each([
    ['9090', 9090],
    ['true', true],
    ['127.0.0.1', '127.0.0.1'],
    ['"quoted"', 'quoted'],
    ['{"a":1}', { a: 1 }],
    ['plain text', 'plain text'],
    ['0123', '0123'],
  ])('%s', (raw, value) => {
    expect(parseOverrideValue(raw)).toEqual(value);
  });
});

describe('applyOverride', () => {
  it('creates the mappings and lists on the way and keeps siblings', () => {
    const doc: Record<string, unknown> = { server: { host: 'h' } };
    applyOverride(doc, { source: 'x', path: ['server', 'port'], value: 1 });
    applyOverride(doc, { source: 'y', path: ['routes', 0, 'name'], value: 'app' });
    expect(doc).toEqual({ server: { host: 'h', port: 1 }, routes: [{ name: 'app' }] });
  });
});
