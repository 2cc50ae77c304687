import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { configReference } from '../../config/reference.js';

/** docs/configuration.md names every option of the schema with its default. */
const page = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

describe('the configuration reference', () => {
  const options = configReference();

  it('walks the whole schema, down to the options that were once missing from the page', () => {
    const paths = options.map((o) => o.path);
    expect(paths.length).toBeGreaterThan(150);
    for (const path of [
      'server.tls.certFile',
      'server.shutdown.drainTimeoutSeconds',
      'metrics.port',
      'routes[].policy.allowRoles',
      'routes[].policy.denyUsers',
      'routes[].requireSession',
      'routes[].websocket',
      'routes[].filters[].when',
      'authenticators[type=mtls].users[].match.fingerprint256',
      'authenticators[type=ldap].pool.retryIntervalSeconds',
      'authenticators[type=saml].identityProviders[].metadataFile',
    ]) {
      expect(paths).toContain(path);
    }
    expect(options.find((o) => o.path === 'server.port')?.default).toBe('8080');
    expect(options.find((o) => o.path === 'routes[].name')?.default).toBe('(required)');
  });

  it('has a row with the default for every option (run `npm run docs:config` after changing the schema)', () => {
    const missing = options.filter((o) => !page.includes(`| \`${o.path}\` | \`${o.default.replace(/\|/g, '\\|')}\` |`));
    expect(missing.map((o) => `${o.path} (default ${o.default})`)).toEqual([]);
  });
});
