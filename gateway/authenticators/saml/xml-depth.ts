/**
 * How deeply elements nest in an XML text, found in one pass over the characters without
 * building anything, so a 64 KB document of 6,000 nested elements is refused in microseconds
 * instead of blocking the event loop in the DOM parser and the recursive walks after it.
 * A SAML response nests about ten levels (Response, Assertion, Signature, KeyInfo, X509Data,
 * ..., EncryptedAssertion adds a few); MAX_XML_DEPTH leaves ample room.
 */
export const MAX_XML_DEPTH = 40;

/** True when some element sits deeper than `max` levels. Comments, CDATA, PIs and quoted attribute values are skipped. */
export function nestsDeeperThan(xml: string, max: number): boolean {
  let depth = 0;
  let i = xml.indexOf('<');
  while (i !== -1 && i < xml.length) {
    const next = xml[i + 1];
    if (next === '/') {
      depth--;
      i = xml.indexOf('>', i);
    } else if (next === '!' || next === '?') {
      const close = xml.startsWith('<!--', i) ? '-->' : xml.startsWith('<![CDATA[', i) ? ']]>' : next === '?' ? '?>' : '>';
      const end = xml.indexOf(close, i + 2);
      i = end === -1 ? -1 : end + close.length - 1;
    } else {
      // an opening tag: find its end outside quoted attribute values
      let j = i + 1;
      let quote = '';
      for (; j < xml.length; j++) {
        const c = xml[j];
        if (quote) {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
      }
      if (xml[j - 1] !== '/' && ++depth > max) return true;
      i = j;
    }
    if (i === -1) break;
    i = xml.indexOf('<', i + 1);
  }
  return false;
}
