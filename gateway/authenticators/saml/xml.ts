import { DOMParser } from '@xmldom/xmldom';
import type { Document as XDocument, Element as XElement, Node as XNode } from '@xmldom/xmldom';
import { MAX_XML_DEPTH, nestsDeeperThan } from './xml-depth.js';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

export const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
export const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

const ELEMENT_NODE = 1;
const PROCESSING_INSTRUCTION_NODE = 7;
const COMMENT_NODE = 8;

export class XmlParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlParseError';
  }
}

/**
 * Parse XML, stopping at the first error or warning. A DOCTYPE is refused: SAML never needs
 * one and it is how entity expansion attacks start. So is nesting deeper than MAX_XML_DEPTH,
 * found by a cheap scan before the parser (and the recursive walks after it) ever run.
 */
export function parseXmlStrict(xml: string): XDocument {
  if (/<!DOCTYPE/i.test(xml)) throw new XmlParseError('DOCTYPE is not allowed');
  if (nestsDeeperThan(xml, MAX_XML_DEPTH)) throw new XmlParseError(`elements nest deeper than ${MAX_XML_DEPTH} levels`);
  const parser = new DOMParser({
    onError: (level: string, message: string) => {
      throw new XmlParseError(`${level}: ${message}`);
    },
  });
  const doc = parser.parseFromString(xml, 'text/xml');
  if (!doc.documentElement) throw new XmlParseError('no document element');
  return doc;
}

/** Direct children of `parent` with this namespace and local name. */
export function childElements(parent: XNode, ns: string, localName: string): XElement[] {
  const out: XElement[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === ELEMENT_NODE) {
      const el = n as XElement;
      if (el.namespaceURI === ns && el.localName === localName) out.push(el);
    }
  }
  return out;
}

export function firstChild(parent: XNode, ns: string, localName: string): XElement | undefined {
  return childElements(parent, ns, localName)[0];
}

/** All descendants (any depth) with this namespace and local name. */
export function descendants(root: XNode, ns: string, localName: string): XElement[] {
  const out: XElement[] = [];
  const walk = (node: XNode) => {
    for (let n = node.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === ELEMENT_NODE) {
        const el = n as XElement;
        if (el.namespaceURI === ns && el.localName === localName) out.push(el);
        walk(el);
      }
    }
  };
  walk(root);
  return out;
}

/** True when a comment or processing instruction sits anywhere under `root`. */
export function hasCommentOrInstruction(root: XNode): boolean {
  for (let n = root.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === COMMENT_NODE || n.nodeType === PROCESSING_INSTRUCTION_NODE) return true;
    if (n.nodeType === ELEMENT_NODE && hasCommentOrInstruction(n)) return true;
  }
  return false;
}

/**
 * The exact text of an element that must hold text only: no trimming, and undefined when
 * it has element content (markup inside a value is never joined into text).
 */
export function exactTextOf(el: XElement): string | undefined {
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === ELEMENT_NODE) return undefined;
  return el.textContent ?? '';
}

export function textOf(el: XElement | undefined): string | undefined {
  const text = el?.textContent?.trim();
  return text ? text : undefined;
}

export function attr(el: XElement | undefined, name: string): string | undefined {
  const v = el?.getAttribute(name);
  return v === null || v === undefined || v === '' ? undefined : v;
}
