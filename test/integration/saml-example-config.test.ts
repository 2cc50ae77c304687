/**
 * config/examples/saml.yaml is a working setup: it validates as it stands and builds its
 * SP from the sample metadata; with the metadata swapped for the live test IdP's, a user
 * logs in through it with the roles and level the example maps.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loader.js';
import type { PortcullisConfigInput } from '../../config/schema/index.js';
import type { SamlAuthenticatorConfig } from '../../config/schema/saml.js';
import { resolveSamlSettings } from '../../gateway/authenticators/saml/settings.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { AC_MFA, TestIdp } from '../support/saml-idp.js';
import { CookieClient, postResponse, startSamlLogin } from '../support/saml-gateway.js';

const EXAMPLES = resolve(import.meta.dirname, '../../config/examples');
const EXAMPLE = join(EXAMPLES, 'saml.yaml');

describe('config/examples/saml.yaml', () => {
  let idp: TestIdp;
  let gw: TestGateway;

  beforeAll(async () => {
    const loaded = await loadConfig(EXAMPLE, { env: {} });
    const input = structuredClone(loaded.config) as unknown as PortcullisConfigInput & {
      authenticators: Array<{ type: string; usersFile?: string; entityId?: string; identityProviders?: Array<{ metadataFile?: string }> }>;
    };
    const saml = input.authenticators.find((a) => a.type === 'saml')!;
    idp = await TestIdp.start({ spAcsUrl: 'http://unset.invalid/saml/acs', spEntityId: saml.entityId!, users: { carol: { nameId: 'carol', attributes: { mail: 'carol@example.test', groups: ['admins'] }, authnContextClassRef: AC_MFA } } });
    gw = await startTestGateway(async (dir) => {
      await writeFile(join(dir, 'idp.xml'), idp.metadataXml());
      saml.identityProviders![0]!.metadataFile = join(dir, 'idp.xml');
      for (const a of input.authenticators) if (a.usersFile) a.usersFile = join(EXAMPLES, a.usersFile);
      const { publicUrl: _drop, ...server } = input.server ?? {};
      return { ...input, server: { ...server, port: 0 } };
    });
    idp.options.spAcsUrl = `${gw.url}/saml/acs`;
    idp.currentUser = 'carol';
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    await idp?.close();
  });

  it('validates and names the SAML authenticator with its IdP', async () => {
    const loaded = await loadConfig(EXAMPLE, { env: {} });
    expect(loaded.config.authenticators[1]).toMatchObject({ type: 'saml', name: 'corp-saml', identityProviders: [{ name: 'corp', allowUnsolicited: false }] });
    // the sample metadata next to it is importable as it stands
    const settings = await resolveSamlSettings(loaded.config.authenticators[1] as SamlAuthenticatorConfig, { configDir: EXAMPLES, publicUrl: 'http://127.0.0.1:8080' });
    expect(settings.idps[0]).toMatchObject({ entityId: 'https://idp.example.test/saml', ssoUrl: 'https://idp.example.test/saml/sso' });
  });

  it('logs a user in through the IdP with the roles and level the example maps', async () => {
    const client = new CookieClient(gw.url);
    const { requestId } = await startSamlLogin(client, '/admin/');
    expect((await postResponse(client, idp.response({ inResponseTo: requestId }), '/admin/')).status).toBe(303);
    const who = (await client.get('/admin/whoami')).json();
    expect(who).toMatchObject({ user: 'carol', tokenRoles: ['admin', 'user'], level: 'auth.strong' });
    expect(who.attributes).toMatchObject({ email: 'carol@example.test' });
  });
});
