import { describe, expect, it } from 'vitest';
import { MAX_XML_DEPTH, nestsDeeperThan } from '../../../../gateway/authenticators/saml/xml-depth.js';
import { parseXmlStrict } from '../../../../gateway/authenticators/saml/xml.js';

const nested = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);

describe('XML depth scan', () => {
  it('counts open tags, not self-closing ones, comments, CDATA, PIs or markup inside quoted attributes', () => {
    expect(nestsDeeperThan(nested(3), 3)).toBe(false);
    expect(nestsDeeperThan(nested(4), 3)).toBe(true);
    expect(nestsDeeperThan('<a>' + '<b/>'.repeat(100) + '</a>', 1)).toBe(false);
    expect(nestsDeeperThan('<a><!-- <b><c><d> --><![CDATA[<b><c><d>]]><?pi <b><c> ?></a>', 1)).toBe(false);
    expect(nestsDeeperThan('<a x="<b><c>" y=\'/>\'><b/></a>', 2)).toBe(false);
    expect(nestsDeeperThan('<?xml version="1.0"?><a><b><c/></b></a>', 2)).toBe(false);
  });

  it('refuses 6,000 levels in parseXmlStrict, and parses a document at the limit', () => {
    expect(() => parseXmlStrict(nested(6000))).toThrow(/nest deeper than 40/);
    expect(parseXmlStrict(nested(MAX_XML_DEPTH)).documentElement?.localName).toBe('a');
  });
});
