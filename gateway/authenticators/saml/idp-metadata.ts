import type { Element as XElement } from '@xmldom/xmldom';
import { BINDING_REDIRECT, NS, attr, childElements, descendants, firstChild, parseXmlStrict, textOf } from './xml.js';

/** What the gateway takes from an IdP's metadata: who it is, where to send users, its keys. */
export interface IdpMetadata {
  entityId: string;
  ssoUrl?: string;
  sloUrl?: string;
  /** signing certificates as bare base64 DER */
  certificates: string[];
}

/**
 * Read an IdP's metadata XML as administrators receive it (an EntityDescriptor, or an
 * EntitiesDescriptor holding several). The metadata's own signature is not checked: the
 * file is trusted because the operator put it there. Throws an Error naming what is missing.
 */
export function parseIdpMetadata(xml: string, wantedEntityId?: string): IdpMetadata {
  const doc = parseXmlStrict(xml);
  const root = doc.documentElement as unknown as XElement;
  const entities = [root, ...descendants(root, NS.metadata, 'EntityDescriptor')].filter(
    (el) => el.namespaceURI === NS.metadata && el.localName === 'EntityDescriptor' && firstChild(el, NS.metadata, 'IDPSSODescriptor'),
  );
  if (entities.length === 0) throw new Error('no EntityDescriptor with an IDPSSODescriptor');
  let entity: XElement | undefined;
  if (wantedEntityId) {
    entity = entities.find((e) => e.getAttribute('entityID') === wantedEntityId);
    if (!entity) throw new Error(`no IdP entity "${wantedEntityId}" in the metadata`);
  } else if (entities.length > 1) {
    throw new Error('the metadata holds several IdPs; set entityId to choose one');
  } else {
    entity = entities[0];
  }
  const entityId = attr(entity, 'entityID');
  if (!entityId) throw new Error('EntityDescriptor has no entityID');
  const idp = firstChild(entity!, NS.metadata, 'IDPSSODescriptor')!;

  const certificates: string[] = [];
  for (const kd of childElements(idp, NS.metadata, 'KeyDescriptor')) {
    const use = attr(kd, 'use');
    if (use && use !== 'signing') continue; // encryption-only keys do not vouch for assertions
    for (const cert of descendants(kd, NS.dsig, 'X509Certificate')) {
      const b64 = textOf(cert)?.replace(/\s+/g, '');
      if (b64) certificates.push(b64);
    }
  }
  if (certificates.length === 0) throw new Error('IDPSSODescriptor has no signing certificate');

  return {
    entityId,
    ssoUrl: serviceLocation(idp, 'SingleSignOnService'),
    sloUrl: serviceLocation(idp, 'SingleLogoutService'),
    certificates,
  };
}

/** The HTTP-Redirect location of a service; the gateway only speaks that binding outbound. */
function serviceLocation(idp: XElement, service: string): string | undefined {
  const match = childElements(idp, NS.metadata, service).find((el) => el.getAttribute('Binding') === BINDING_REDIRECT);
  return attr(match, 'Location');
}
