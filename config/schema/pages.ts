import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';

/** `#rrggbb`: one spelling, so contrast can be computed and the value is safe inside CSS. */
export const colourSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour written #rrggbb');

const colours = DEFAULTS.pages.colours;

/**
 * How the gateway's own pages look (login, portals, account, refusals, errors). The
 * colours are checked for contrast at start-up (gateway/pages/branding.ts).
 */
export const pagesSchema = z
  .strictObject({
    /** shown in every page title and in the header */
    productName: z.string().trim().min(1).max(80).default(DEFAULTS.pages.productName),
    /** a logo in the header: `url` (https://… or a path on this host) or `file` (relative to the configuration file; png, svg, jpg, gif, webp) */
    logo: z
      .strictObject({
        url: z.string().regex(/^(https:\/\/[^\s"'<>]+|\/[^\s"'<>/][^\s"'<>]*)$/, 'must be an https:// URL or a path on this host').optional(),
        file: z.string().min(1).optional(),
        /** the logo's text alternative; the product name when absent */
        alt: z.string().max(120).optional(),
      })
      .refine((l) => (l.url === undefined) !== (l.file === undefined), 'give either url or file')
      .optional(),
    colours: z
      .strictObject({
        /** behind the page */
        background: colourSchema.default(colours.background),
        /** the card the content sits on */
        surface: colourSchema.default(colours.surface),
        /** text on the surface */
        text: colourSchema.default(colours.text),
        /** secondary text on the surface (notes, request ids) */
        muted: colourSchema.default(colours.muted),
        /** buttons, links and the focus ring */
        accent: colourSchema.default(colours.accent),
        /** text on buttons */
        accentText: colourSchema.default(colours.accentText),
      })
      .default(() => ({ ...colours })),
    /** a folder of templates (`login.html`, `layout.html`, ...) that replace the built-in ones; relative to the configuration file */
    templatesDir: z.string().min(1).optional(),
    /** start even when a colour pair is below WCAG AA contrast (4.5:1); logged as a warning instead */
    allowLowContrast: z.boolean().default(false),
  });

export type PagesConfig = z.infer<typeof pagesSchema>;
