import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { PagesConfig } from '@portcullis/config/schema/pages.js';
import { GatewayError } from '../errors.js';
import { AA_TEXT_CONTRAST, contrastRatio } from './contrast.js';

export type Colours = PagesConfig['colours'];

export interface Branding {
  readonly productName: string;
  readonly colours: Colours;
  /** the header logo: where it is loaded from and its text alternative */
  readonly logo?: { readonly src: string; readonly alt: string };
  /** a logo file from the configuration folder, served at LOGO_PATH */
  readonly logoFile?: { readonly bytes: Buffer; readonly type: string };
  /** another origin the logo is loaded from: the pages' CSP must allow it for images */
  readonly imageOrigin?: string;
}

/** where a logo file is served; under a prefix no route is expected to use */
export const LOGO_PATH = '/_portcullis/logo';
const MAX_LOGO_BYTES = 512 * 1024;
const LOGO_TYPES: Record<string, string> = { '.png': 'image/png', '.svg': 'image/svg+xml', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp' };

/** The colour pairs text is read in; each must reach AA contrast. */
const PAIRS: ReadonlyArray<[keyof Colours, keyof Colours, string]> = [
  ['text', 'surface', 'text on the surface'],
  ['muted', 'surface', 'muted text on the surface'],
  ['accent', 'surface', 'links on the surface'],
  ['accentText', 'accent', 'button text on the accent'],
  ['text', 'background', 'header text on the background'],
  ['accent', 'background', 'header links on the background'],
];

/** Colour pairs below AA contrast, as `what (foreground on background): ratio`. */
export function lowContrastPairs(colours: Colours): string[] {
  const low: string[] = [];
  for (const [fg, bg, what] of PAIRS) {
    const ratio = contrastRatio(colours[fg], colours[bg]);
    if (ratio < AA_TEXT_CONTRAST) low.push(`${what} (colours.${fg} ${colours[fg]} on colours.${bg} ${colours[bg]}): ${ratio.toFixed(2)}:1`);
  }
  return low;
}

/**
 * The operator's branding, checked: colours below WCAG AA contrast refuse to start (unless
 * `allowLowContrast`, then a warning), a logo file must exist, be small and be an image.
 */
export async function resolveBranding(config: PagesConfig, configDir: string, log: Logger): Promise<Branding> {
  const low = lowContrastPairs(config.colours);
  if (low.length && !config.allowLowContrast) {
    throw new GatewayError('GW_BRANDING_INVALID', 500, `pages.colours: too little contrast for accessible pages (WCAG AA needs ${AA_TEXT_CONTRAST}:1): ${low.join('; ')}; choose other colours or set pages.allowLowContrast`);
  }
  if (low.length) log.warn({ warning: 'low-contrast', pairs: low }, 'pages.colours: contrast below WCAG AA, allowed by pages.allowLowContrast');

  const alt = config.logo?.alt ?? config.productName;
  const base = { productName: config.productName, colours: config.colours };
  if (config.logo?.url) {
    const url = config.logo.url;
    return { ...base, logo: { src: url, alt }, ...(url.startsWith('https://') ? { imageOrigin: new URL(url).origin } : {}) };
  }
  if (config.logo?.file) {
    const path = resolve(configDir, config.logo.file);
    const type = LOGO_TYPES[extname(path).toLowerCase()];
    if (!type) throw new GatewayError('GW_BRANDING_INVALID', 500, `pages.logo.file: ${path} is not one of ${Object.keys(LOGO_TYPES).join(', ')}`);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (cause) {
      throw new GatewayError('GW_BRANDING_INVALID', 500, `pages.logo.file: cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
    }
    if (bytes.length > MAX_LOGO_BYTES) throw new GatewayError('GW_BRANDING_INVALID', 500, `pages.logo.file: ${path} is ${bytes.length} bytes; at most ${MAX_LOGO_BYTES}`);
    return { ...base, logo: { src: LOGO_PATH, alt }, logoFile: { bytes, type } };
  }
  return base;
}

/** The pages' style sheet in the branding's colours; focus is always visible. */
export function styleSheet(c: Colours): string {
  return `body{font-family:system-ui,sans-serif;background:${c.background};color:${c.text};margin:0}
header{max-width:44rem;margin:0 auto;padding:1rem 1rem 0;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between}
.brand{display:flex;align-items:center;gap:.6rem;font-weight:700;color:${c.text};text-decoration:none}.brand img{max-height:2.2rem;max-width:10rem}
header nav{display:flex;flex-wrap:wrap;gap:.4rem .9rem;align-items:center}header nav a{color:${c.accent}}
main{max-width:44rem;margin:4vh auto;background:${c.surface};color:${c.text};padding:2rem;border-radius:10px;box-shadow:0 2px 12px #0001;box-sizing:border-box}
h1{font-size:1.35rem;margin:0 0 1rem}h2{font-size:1.1rem;margin:1.6rem 0 .6rem}label{display:block;margin:.8rem 0 .3rem;font-weight:600}
a{color:${c.accent}}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid ${c.muted};border-radius:6px;font-size:1rem;background:${c.surface};color:${c.text}}
button,.button{display:inline-block;margin-top:1.2rem;padding:.6rem 1.1rem;border:0;border-radius:6px;background:${c.accent};color:${c.accentText};font-size:1rem;text-decoration:none;cursor:pointer}
.alt{background:${c.text};color:${c.surface}}.small{margin-top:0;padding:.35rem .8rem;font-size:.9rem}
.error{background:#fdecec;color:#8a1c1c;padding:.6rem;border-radius:6px}.notice{background:#e8f5ec;color:#14532d;padding:.6rem;border-radius:6px}
.muted{color:${c.muted};font-size:.9rem}hr{border:0;border-top:1px solid ${c.muted}55;margin:1.5rem 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.45rem .4rem;border-bottom:1px solid ${c.muted}44;vertical-align:top}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}dd{margin:0}
:focus-visible{outline:3px solid ${c.accent};outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:${c.surface};padding:.4rem}`;
}
