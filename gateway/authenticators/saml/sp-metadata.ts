import { escapeHtml as escapeXml } from '../../pages/html.js';
import { BINDING_POST, BINDING_REDIRECT, NS } from './xml.js';
import type { ResolvedSaml } from './settings.js';

/**
 * The gateway's SP metadata, what an IdP administrator imports: entity id, the ACS
 * (HTTP-POST), single logout (HTTP-Redirect and HTTP-POST), and the signing certificate
 * when the gateway signs its requests. Not signed itself; it is served over the gateway's TLS.
 */
export function serviceProviderMetadata(settings: ResolvedSaml): string {
  const signs = settings.signing !== undefined;
  const keyDescriptor = signs
    ? `
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(settings.signing!.certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`
    : '';
  const slo = settings.idps.some((idp) => idp.sloUrl)
    ? `
    <md:SingleLogoutService Binding="${BINDING_REDIRECT}" Location="${escapeXml(settings.sloUrl)}"/>
    <md:SingleLogoutService Binding="${BINDING_POST}" Location="${escapeXml(settings.sloUrl)}"/>`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="${NS.metadata}" xmlns:ds="${NS.dsig}" entityID="${escapeXml(settings.spEntityId)}">
  <md:SPSSODescriptor protocolSupportEnumeration="${NS.protocol}" AuthnRequestsSigned="${signs}" WantAssertionsSigned="true">${keyDescriptor}${slo}
    <md:AssertionConsumerService index="0" isDefault="true" Binding="${BINDING_POST}" Location="${escapeXml(settings.acsUrl)}"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
}

function certBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}
