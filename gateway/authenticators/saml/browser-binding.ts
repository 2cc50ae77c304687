import { inflateRawSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BrowserBinding as RoutedBinding } from '../routed/browser-binding.js';
import { bindLoginToBrowser, isBoundToThisBrowser } from '../routed/browser-binding.js';
import { SAML_ERROR_CODES as C, refused } from './errors.js';

export const BINDING_COOKIE = 'portcullis_saml';

/** The SAML binding: the cookie lives on the ACS path; the login id is the AuthnRequest's ID. */
export type BrowserBinding = RoutedBinding;

/** Record the AuthnRequest carried by `redirectUrl` for the browser of this request. */
export async function bindRequestToBrowser(b: BrowserBinding, request: FastifyRequest, reply: FastifyReply, redirectUrl: string): Promise<void> {
  if (!b.enabled) return;
  await bindLoginToBrowser(b, request, reply, requestIdOf(redirectUrl));
}

export async function checkBrowserBinding(b: BrowserBinding, request: FastifyRequest, inResponseTo: string | undefined): Promise<void> {
  if (!b.enabled || !inResponseTo) return;
  const { ok, cookie } = await isBoundToThisBrowser(b, request, inResponseTo);
  if (!ok) throw refused(C.browserMismatch, `request ${inResponseTo} was not started by this browser (binding cookie ${cookie === 'present' ? 'does not match' : 'missing'})`);
}

function requestIdOf(redirectUrl: string): string {
  const xml = inflateRawSync(Buffer.from(new URL(redirectUrl).searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  const id = /\sID="([^"]+)"/.exec(xml)?.[1];
  if (!id) throw new Error('AuthnRequest without ID');
  return id;
}
