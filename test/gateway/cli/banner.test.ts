import { describe, expect, it } from 'vitest';
import { portcullisConfigSchema } from '../../../config/schema/index.js';
import { formatBanner } from '../../../gateway/cli/banner.js';

describe('start banner', () => {
  it("shows each route's real requirement, not [any logged-in user] for a group route", () => {
    const config = portcullisConfigSchema.parse({
      authenticators: [{ type: 'file', name: 'local', usersFile: 'users.yaml' }],
      routes: [
        { name: 'fin', prefix: '/fin/', upstream: 'http://127.0.0.1:9', policy: { allowGroups: ['finance'] } },
        { name: 'ops', prefix: '/ops/', upstream: 'http://127.0.0.1:9', policy: { allowRoles: ['ops'], denyUsers: ['mallory'], requireLevel: 'auth.strong' } },
        { name: 'app', prefix: '/app/', upstream: 'http://127.0.0.1:9' },
        { name: 'docs', prefix: '/docs/', upstream: 'http://127.0.0.1:9', requireSession: false },
      ],
    });
    const text = formatBanner({ url: 'http://127.0.0.1:8080' }, config, { file: 'gateway.yaml', isDemo: false });
    expect(text).toMatch(/route fin .*\[allow groups finance\]/);
    expect(text).toMatch(/route ops .*\[allow roles ops; deny users mallory; needs auth.strong \(403 otherwise\)\]/);
    expect(text).toMatch(/route app .*\[any logged-in user\]/);
    expect(text).toMatch(/route docs .*\[public\]/);
  });
});
