// The light and dark palettes, read from the stylesheet's text: every colour the app uses
// is a token given in both, and every text-on-background pair the app uses meets WCAG AA.
import { describe, expect, it } from 'vitest';

const fs = (await import('node:fs' as string)) as { readFileSync(path: string, encoding: 'utf8'): string };
const here = import.meta.url; // (a variable: Vite rewrites `new URL(…, import.meta.url)` into an asset URL)
const CSS = fs.readFileSync(decodeURIComponent(new URL('../../app.css', here).pathname), 'utf8');
const SVELTE = import.meta.glob('../../**/*.svelte', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

const stripComments = (css: string) => css.replace(/\/\*[\s\S]*?\*\//g, '');

/** The text between the braces of the first block at or after `from`, and where it ends. */
function block(css: string, from: number): { body: string; start: number; end: number } {
  const open = css.indexOf('{', from);
  let depth = 0;
  for (let i = open; i < css.length; i++) {
    if (css[i] === '{') depth++;
    else if (css[i] === '}' && --depth === 0) return { body: css.slice(open + 1, i), start: from, end: i + 1 };
  }
  throw new Error('unbalanced braces');
}

const declarations = (body: string) =>
  Object.fromEntries([...body.matchAll(/--([\w-]+)\s*:\s*([^;]+);/g)].map((m) => [m[1], m[2].trim()]));

const css = stripComments(CSS);
const lightAt = css.search(/^:root\s*\{/m);
const light = block(css, lightAt);
const mediaAt = css.indexOf('@media (prefers-color-scheme: dark)');
const media = block(css, mediaAt);
const darkRoot = block(media.body, media.body.search(/:root\s*\{/));
const LIGHT = declarations(light.body);
const DARK_OWN = declarations(darkRoot.body);
const DARK = { ...LIGHT, ...DARK_OWN };

const COLOUR = /#[0-9a-f]{3,8}\b|\b(?:rgba?|hsla?)\(|(?<![\w-])(?:white|black)(?![\w-])/i;
const isColour = (value: string) => COLOUR.test(value);

function rgb(value: string): [number, number, number] {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value);
  if (!m) throw new Error(`${value} is not an opaque #rgb or #rrggbb colour`);
  const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

/** WCAG 2 relative luminance and contrast ratio. */
function luminance(value: string): number {
  const [r, g, b] = rgb(value).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const TEXT = 4.5; // normal text
const UI = 3; // large or bold text, and the parts of controls (WCAG 1.4.11)

/** Foreground token, background token, the minimum, and where the app puts them. */
const PAIRS: [string, string, number, string][] = [
  // Body text
  ['text', 'bg', TEXT, 'body text on the page'],
  ['text', 'surface', TEXT, 'text on cards, dialogs, menus, the navigation bar and inputs'],
  ['text', 'surface-2', TEXT, 'text on table heads, dialog footers, the store path, secondary button hover'],
  ['text', 'surface-hover', TEXT, 'a table row under the pointer'],
  ['text', 'neutral-bg', TEXT, 'permission chips, a hovered navigation section'],
  ['text', 'accent-soft', TEXT, 'an account-menu item under the pointer'],
  // Muted text
  ['muted', 'bg', TEXT, 'hints and loading text on the page'],
  ['muted', 'surface', TEXT, 'hints, "Never", the username, navigation sections'],
  ['muted', 'surface-2', TEXT, 'table column heads, shortcut keys (kbd)'],
  ['muted', 'surface-hover', TEXT, 'muted cells in a row under the pointer'],
  ['muted', 'neutral-bg', TEXT, 'disabled inputs, filter counts, "as admin" cells'],
  // Links and the accent
  ['accent', 'bg', TEXT, 'links and the brand on the sign-in page'],
  ['accent', 'surface', TEXT, 'links, ghost buttons, icon buttons, the brand'],
  ['accent', 'surface-2', TEXT, 'ghost buttons in dialog footers'],
  ['accent', 'accent-soft', TEXT, 'the current navigation section, info banners, pending invitations, a chosen filter'],
  ['on-accent', 'accent', TEXT, 'primary buttons, the live chip'],
  ['on-accent', 'accent-hover', TEXT, 'primary buttons under the pointer'],
  ['on-danger', 'danger', TEXT, 'danger buttons'],
  ['on-danger', 'danger-hover', TEXT, 'danger buttons under the pointer'],
  // Badges and banners
  ['ok', 'ok-bg', TEXT, 'badge ok, the active chip, ok banners'],
  ['danger', 'danger-bg', TEXT, 'badge failed, the expired chip, error banners'],
  ['neutral', 'neutral-bg', TEXT, 'badge refused, the revoked chip'],
  ['warn', 'warn-bg', TEXT, 'badge throttled, the expiring-soon and administrator chips, warning banners'],
  ['test', 'test-bg', TEXT, 'the test chip'],
  // Error and status text on plain surfaces
  ['danger', 'surface', TEXT, 'field errors, Sign out, danger ghost buttons'],
  ['danger', 'bg', TEXT, 'errors on the page'],
  ['ok', 'surface', TEXT, '"Settings saved." and other confirmations'],
  ['warn', 'surface', TEXT, 'why Create key is blocked, "Rotating until"'],
  // The clipboard notice
  ['toast-text', 'toast-bg', TEXT, 'the clipboard countdown'],
  ['toast-muted', 'toast-bg', TEXT, 'its dismiss button'],
  ['toast-text', 'toast-ok', TEXT, 'the clipboard-cleared notice'],
  ['toast-text', 'toast-danger', TEXT, 'the clipboard failure notice'],
  // Large bold text and control parts
  ['accent', 'surface', UI, 'the brand (bold)'],
  ['focus', 'bg', UI, 'the focus ring on the page'],
  ['focus', 'surface', UI, 'the focus ring on cards and dialogs'],
];

describe('theme tokens', () => {
  it('reads both palettes from the stylesheet', () => {
    expect(lightAt).toBeGreaterThanOrEqual(0);
    expect(mediaAt).toBeGreaterThan(lightAt);
    expect(Object.keys(LIGHT).length).toBeGreaterThan(30);
    expect(darkRoot.body).toMatch(/color-scheme:\s*dark/);
    expect(light.body).toMatch(/color-scheme:\s*light/);
  });

  it('gives every colour token in both palettes', () => {
    const colourTokens = Object.keys(LIGHT).filter((k) => isColour(LIGHT[k]));
    expect(colourTokens.filter((k) => !(k in DARK_OWN))).toEqual([]);
    expect(Object.keys(DARK_OWN).filter((k) => !(k in LIGHT))).toEqual([]);
  });

  describe.each([
    ['light', LIGHT],
    ['dark', DARK],
  ])('the %s palette', (_name, palette) => {
    it.each(PAIRS)('%s on %s meets %s:1 (%s)', (fg, bg, min) => {
      expect(palette[fg], fg).toBeDefined();
      expect(palette[bg], bg).toBeDefined();
      expect(contrast(palette[fg], palette[bg])).toBeGreaterThanOrEqual(min);
    });
  });

  it('computes contrast as WCAG does', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(contrast('#fff', '#fff')).toBe(1);
  });
});

describe('every colour comes from a token', () => {
  const styles = (source: string) => [...source.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].map((m) => m[1]).join('\n');
  const outsidePalettes = css.slice(0, lightAt) + css.slice(light.end, mediaAt) + css.slice(media.end);

  const literals = (text: string) =>
    stripComments(text)
      .split('\n')
      .filter((line) => isColour(line))
      .map((line) => line.trim());

  it('in the global stylesheet, outside the two palettes', () => {
    expect(literals(outsidePalettes)).toEqual([]);
  });

  it('in every component', () => {
    expect(Object.keys(SVELTE).length).toBeGreaterThan(40);
    const found = Object.entries(SVELTE).flatMap(([file, source]) => [
      ...literals(styles(source)).map((l) => `${file}: ${l}`),
      ...[...source.matchAll(/\s(?:fill|stroke|style|color)="([^"]*)"/g)]
        .filter((m) => isColour(m[1]))
        .map((m) => `${file}: ${m[0].trim()}`),
    ]);
    expect(found).toEqual([]);
  });

  it('uses only tokens that exist', () => {
    const used = new Set(
      [CSS, ...Object.values(SVELTE)].flatMap((text) => [...text.matchAll(/var\(--([\w-]+)/g)].map((m) => m[1])),
    );
    expect([...used].filter((t) => !(t in LIGHT))).toEqual([]);
  });
});
