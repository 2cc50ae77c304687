import type { PortcullisConfigInput } from '../../config/schema/index.js';
import { DEMO_USERS, writeUsersFile } from './gateway.js';

/** The identity headers the example proxy configurations copy from the gateway's answer. */
export const IDENTITY_HEADERS = { 'X-User': '${user.loginId}', 'X-Roles': '${user.roles}' };

/**
 * A gateway beside a proxy: routes without an upstream (forward authentication only), the
 * proxy on 127.0.0.1 trusted, alice (user) and bob (user, admin). `/app/` needs a session,
 * `/admin/` the admin role, `/public/` nothing; `admin.example.test` is matched by host.
 */
export async function forwardAuthConfig(dir: string, cacheSeconds = 0): Promise<PortcullisConfigInput> {
  await writeUsersFile(dir, DEMO_USERS);
  const identity = [{ use: 'identity-headers', options: { headers: IDENTITY_HEADERS } }];
  return {
    server: { trustedProxies: ['127.0.0.1'] },
    authenticators: [{ type: 'file', name: 'local', usersFile: 'users.yaml' }],
    forwardAuth: { enabled: true, trustedProxies: ['127.0.0.1'], cacheSeconds },
    routes: [
      { name: 'app', prefix: '/app/', filters: identity },
      { name: 'admin', prefix: '/admin/', policy: { allowRoles: ['admin'] }, filters: identity },
      { name: 'public', prefix: '/public/', requireSession: false },
      { name: 'admin-host', host: 'admin.example.test', policy: { allowRoles: ['admin'] }, filters: identity },
    ],
  };
}
