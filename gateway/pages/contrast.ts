/**
 * WCAG 2 contrast between two `#rrggbb` colours: (L1 + 0.05) / (L2 + 0.05) of their relative
 * luminances, from 1 (same colour) to 21 (black on white). AA asks 4.5 for body text.
 */
export const AA_TEXT_CONTRAST = 4.5;

export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [luminance(a), luminance(b)];
  const [light, dark] = la > lb ? [la, lb] : [lb, la];
  return (light + 0.05) / (dark + 0.05);
}

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}
