import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PortcullisConfigInput } from '../../config/schema/index.js';
import { CookieClient } from './http-client.js';
import { demoConfig, startTestGateway } from './gateway.js';
import type { TestGateway } from './gateway.js';
import { TestIdp, authnRequestFromUrl, parseAutoPostForm, toBase64 } from './saml-idp.js';

export const SAML_SP_ENTITY_ID = 'https://portcullis.test/sp';
const HTML = { accept: 'text/html' };

/**
 * A real gateway (demo routes and engine, file users too) with a `saml` authenticator that
 * trusts a real test IdP, imported from the IdP's metadata file as an administrator would.
 */
export async function startSamlGateway(
  idpConfig: Record<string, unknown> = {},
  more: { idp?: TestIdp; config?: Partial<PortcullisConfigInput> } = {},
): Promise<{ gw: TestGateway; idp: TestIdp }> {
  const idp = more.idp ?? (await TestIdp.start({ spAcsUrl: 'http://unset.invalid/saml/acs', spEntityId: SAML_SP_ENTITY_ID }));
  const gw = await startTestGateway(async (dir) => {
    await writeFile(join(dir, 'idp-metadata.xml'), idp.metadataXml());
    const base = await demoConfig(dir);
    return {
      ...base,
      authenticators: [
        ...(base.authenticators ?? []),
        {
          type: 'saml',
          name: 'corp-saml',
          entityId: SAML_SP_ENTITY_ID,
          // on over plain http too: the test IdP is same-site (127.0.0.1), so a Lax cookie comes along
          bindToBrowser: true,
          identityProviders: [
            {
              name: 'corp',
              label: 'Sign in with Corp IdP',
              metadataFile: 'idp-metadata.xml',
              attributes: { email: 'mail', firstName: 'givenName' },
              groupsAttribute: 'groups',
              roleMapping: { map: { admins: 'admin', staff: 'user' }, keepUnmapped: false },
              authnContextLevels: { 'https://refeds.org/profile/mfa': 'auth.strong' },
              ...idpConfig,
            },
          ],
        },
      ],
      ...more.config,
    };
  });
  if (more.idp) return { gw, idp };
  idp.options.spAcsUrl = `${gw.url}/saml/acs`;
  idp.options.spSloUrl = `${gw.url}/saml/slo`;
  return { gw, idp };
}

/** Start a SAML login at the gateway like the login page's button does; answers the AuthnRequest id. */
export async function startSamlLogin(client: CookieClient, returnTo = '/app/'): Promise<{ requestId: string; idpUrl: string }> {
  const start = await client.get(`/saml/login?idp=corp&returnTo=${encodeURIComponent(returnTo)}`, HTML);
  if (start.status !== 302 || !start.location) throw new Error(`SAML login start answered ${start.status}`);
  return { requestId: authnRequestFromUrl(start.location).id, idpUrl: start.location };
}

/** Post a SAML response to the gateway's ACS as the IdP's auto-post form would. */
export function postResponse(client: CookieClient, xml: string, relayState = '/app/') {
  return client.postForm('/saml/acs', { SAMLResponse: toBase64(xml), RelayState: relayState }, HTML);
}

/** The whole browser-less round trip: gateway → IdP SSO endpoint → auto-post form → ACS. */
export async function loginThroughIdp(client: CookieClient, returnTo = '/app/') {
  const { idpUrl } = await startSamlLogin(client, returnTo);
  const idpPage = await fetch(idpUrl);
  const { action, fields } = parseAutoPostForm(await idpPage.text());
  return client.postForm(new URL(action).pathname, fields, HTML);
}

export { CookieClient };
