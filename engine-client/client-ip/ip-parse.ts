/**
 * Small, allocation-light parsing of IP addresses for the per-request path (node's
 * BlockList.check costs microseconds per call; this costs a fraction). Inputs have been
 * checked with `net.isIP` first, so these parsers only need to be right on valid text.
 */

/** Dotted quad → unsigned 32-bit number. */
export function ipv4ToNumber(text: string): number {
  let value = 0;
  let part = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      value = value * 256 + part;
      part = 0;
    } else {
      part = part * 10 + (c - 48);
    }
  }
  return value * 256 + part;
}

export function numberToIPv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** IPv6 text (with `::` and an optional trailing dotted quad) → 8 hextets. */
export function ipv6ToHextets(text: string): Uint16Array {
  const out = new Uint16Array(8);
  const gap = text.indexOf('::');
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? '' : text.slice(gap + 2);
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === '' ? [] : tail.split(':');
  const words: number[] = [];
  const push = (parts: string[], into: number[]) => {
    for (const p of parts) {
      if (p.includes('.')) {
        const v4 = ipv4ToNumber(p);
        into.push(v4 >>> 16, v4 & 0xffff);
      } else {
        into.push(parseInt(p, 16));
      }
    }
  };
  push(headParts, words);
  const tailWords: number[] = [];
  push(tailParts, tailWords);
  for (let i = 0; i < words.length; i++) out[i] = words[i]!;
  for (let i = 0; i < tailWords.length; i++) out[8 - tailWords.length + i] = tailWords[i]!;
  return out;
}

/** True for `::ffff:a.b.c.d` (IPv4-mapped IPv6). */
export function isMappedIPv4(h: Uint16Array): boolean {
  return h[0] === 0 && h[1] === 0 && h[2] === 0 && h[3] === 0 && h[4] === 0 && h[5] === 0xffff;
}

/** RFC 5952 text: lower-case, no leading zeros, the longest run (≥ 2) of zero hextets as `::`. */
export function hextetsToIPv6(h: Uint16Array): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (h[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && h[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += h[i]!.toString(16);
  }
  return out;
}
