import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestGateway, demoConfig, type TestGateway } from '../../support/gateway.js';
import { CookieClient, loginWithForm } from '../../support/http-client.js';
import { contrastRatio } from '../../../gateway/pages/contrast.js';
import { lowContrastPairs } from '../../../gateway/pages/branding.js';
import { DEFAULTS } from '../../../config/defaults.js';
import { portcullisConfigSchema, type PortcullisConfigInput } from '../../../config/schema/index.js';
import { pagesSchema } from '../../../config/schema/pages.js';

const HTML = { accept: 'text/html' };
// the smallest valid PNG: one transparent pixel
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

function withPages(pages: NonNullable<PortcullisConfigInput['pages']>, prepare?: (dir: string) => Promise<void>) {
  return async (dir: string): Promise<PortcullisConfigInput> => {
    await prepare?.(dir);
    return { ...(await demoConfig(dir)), pages };
  };
}

async function startFails(pages: NonNullable<PortcullisConfigInput['pages']>, prepare?: (dir: string) => Promise<void>): Promise<{ code?: string; message: string }> {
  try {
    const gw = await startTestGateway(withPages(pages, prepare));
    await gw.stop();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('the gateway started');
}

describe('contrast', () => {
  it('computes WCAG ratios: black on white is 21, a colour on itself 1, #777 on white just under AA', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#2b4cdb', '#2b4cdb')).toBe(1);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(contrastRatio('#ffffff', '#777777')).toBe(contrastRatio('#777777', '#ffffff'));
  });

  it('the built-in colours pass AA on every pair', () => {
    expect(lowContrastPairs(DEFAULTS.pages.colours)).toEqual([]);
  });
});

describe('branding and templates at start-up', () => {
  it('refuses colours below AA contrast, naming the pair and the ratio', async () => {
    const err = await startFails({ colours: { accent: '#9db0ff' } });
    expect(err.code).toBe('GW_BRANDING_INVALID');
    expect(err.message).toMatch(/button text on the accent \(colours\.accentText #ffffff on colours\.accent #9db0ff\): \d\.\d\d:1/);
  });

  it('starts with too little contrast when the operator allows it, and says so in the log', async () => {
    const gw = await startTestGateway(withPages({ colours: { muted: '#bbbbbb' }, allowLowContrast: true }));
    try {
      expect(gw.logs()).toMatch(/"warning":"low-contrast".*muted text on the surface/);
    } finally {
      await gw.stop();
    }
  });

  it('refuses a .html file that is no template, naming it and the templates there are', async () => {
    const err = await startFails({ templatesDir: 'templates' }, async (dir) => {
      await mkdir(join(dir, 'templates'));
      await writeFile(join(dir, 'templates', 'logn.html'), '<h1>typo</h1>{{{form}}}');
    });
    expect(err.code).toBe('GW_TEMPLATE_INVALID');
    expect(err.message).toContain("'logn.html' is not a template name");
    expect(err.message).toContain('login.html');
  });

  it.each([
    ['an unknown slot', 'login.html', '{{{form}}}{{{choices}}}\n{{{nonsense}}}', /login\.html line 2: unknown slot 'nonsense'/],
    ['a text slot written raw (it would not be escaped)', 'portals.html', '{{{portals}}}<p>{{{name}}}</p>', /'name' is text and must be written \{\{name\}\}/],
    ['an HTML slot written as text', 'layout.html', '<main>{{body}}</main>', /'body' is HTML and must be written \{\{\{body\}\}\}/],
    ['a stray {{', 'message.html', '{{message}} {{ oops', /'\{\{' that is not a slot tag/],
    ['a required slot left out', 'login.html', '<h1>Sign in</h1>{{{choices}}}', /must contain \{\{\{form\}\}\}/],
  ])('refuses a template with %s', async (_what, file, text, message) => {
    const err = await startFails({ templatesDir: 'templates' }, async (dir) => {
      await mkdir(join(dir, 'templates'));
      await writeFile(join(dir, 'templates', file), text);
    });
    expect(err.code).toBe('GW_TEMPLATE_INVALID');
    expect(err.message).toMatch(message);
  });

  it('refuses a templates folder that is not there, and a logo file that is not an image', async () => {
    expect((await startFails({ templatesDir: 'missing' })).message).toMatch(/pages\.templatesDir: cannot read the folder .*missing: ENOENT/);
    const logo = await startFails({ logo: { file: 'logo.txt' } }, (dir) => writeFile(join(dir, 'logo.txt'), 'x'));
    expect(logo.code).toBe('GW_BRANDING_INVALID');
    expect(logo.message).toContain('pages.logo.file');
  });
});

describe('a branded gateway with one template of its own', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(
      withPages({ productName: 'Acme <Gate>', logo: { file: 'brand/logo.png', alt: 'Acme' }, colours: { accent: '#7a1f5c', background: '#fafaf5' }, templatesDir: 'templates' }, async (dir) => {
        await mkdir(join(dir, 'templates'));
        await mkdir(join(dir, 'brand'));
        await writeFile(join(dir, 'brand', 'logo.png'), PNG);
        await writeFile(join(dir, 'templates', 'login.html'), '<h1 class="acme">Welcome to Acme</h1>{{{who}}}{{{error}}}{{{form}}}{{{choices}}}<p>Help: ext. 1234</p>');
        await writeFile(join(dir, 'templates', 'README.txt'), 'not a template: ignored');
      }),
    );
  }, 60_000);
  afterAll(async () => gw?.stop());

  it('renders the login page from the operator’s template inside the branded frame', async () => {
    const page = await new CookieClient(gw.url).get('/login', HTML);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1 class="acme">Welcome to Acme</h1>');
    expect(page.text).toContain('Help: ext. 1234');
    expect(page.text).toContain('<title>Log in · Acme &lt;Gate&gt;</title>');
    expect(page.text).toContain('<img src="/_portcullis/logo" alt="Acme">');
    expect(page.text).toContain('background:#7a1f5c');
    expect(page.text).toContain('background:#fafaf5');
    expect(page.text).toMatch(/:focus-visible\{outline:3px solid #7a1f5c/);
    expect(page.text).not.toMatch(/<script/i);
  });

  it('falls back to the built-in templates for the others, still branded', async () => {
    const client = new CookieClient(gw.url);
    await loginWithForm(client, 'alice', 'wonderland');
    const account = await client.get('/account', HTML);
    expect(account.text).toContain('<h1>Your account</h1>');
    expect(account.text).toContain('<title>Your account · Acme &lt;Gate&gt;</title>');
    const missing = await client.get('/nowhere', HTML);
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('Acme &lt;Gate&gt;');
  });

  it('serves the logo file with its type', async () => {
    const logo = await fetch(`${gw.url}/_portcullis/logo`);
    expect(logo.status).toBe(200);
    expect(logo.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await logo.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('ties every visible input of the login and account pages to a label, and has no script', async () => {
    const client = new CookieClient(gw.url);
    const login = await client.get('/login', HTML);
    await loginWithForm(client, 'alice', 'wonderland');
    const second = new CookieClient(gw.url);
    await loginWithForm(second, 'alice', 'wonderland');
    const account = await client.get('/account', HTML);
    for (const html of [login.text, account.text]) {
      for (const input of html.matchAll(/<input([^>]*)>/g)) {
        const attrs = input[1]!;
        if (/type="hidden"/.test(attrs)) continue;
        const id = /id="([^"]+)"/.exec(attrs)?.[1];
        expect(id, attrs).toBeDefined();
        expect(html).toContain(`<label for="${id}">`);
      }
      // every button says what it does to a screen reader
      // every button has an accessible name: its text, or an aria-label
      for (const [whole, attributes, text] of html.matchAll(/<button([^>]*)>([^<]*)<\/button>/g)) {
        const named = (text ?? '').trim() !== '' || /aria-label="[^"]+"/.test(attributes ?? '');
        expect(named, whole).toBe(true);
      }
      expect(html).not.toMatch(/<script/i);
    }
  });
});

describe('a logo from another origin', () => {
  it('is allowed by the pages’ content security policy for images only', async () => {
    const gw = await startTestGateway(withPages({ logo: { url: 'https://cdn.example.test/acme.svg' } }));
    try {
      const page = await new CookieClient(gw.url).get('/login', HTML);
      expect(page.text).toContain('<img src="https://cdn.example.test/acme.svg" alt="Portcullis">');
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toContain("img-src 'self' data: https://cdn.example.test");
      expect(csp).toContain("default-src 'none'");
    } finally {
      await gw.stop();
    }
  });

  it.each(['javascript:alert(1)', 'http://cdn.example.test/x.png', '//evil.test/x.png', 'https://cdn.example.test/a"onerror="x'])('is refused by the schema when it is %s', (url) => {
    const result = pagesSchema.safeParse({ logo: { url } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['logo', 'url']);
  });
});

describe('the branded example configuration', () => {
  it('starts and renders its own login page with its logo', async () => {
    const { loadConfig } = await import('../../../gateway/cli/gateway-config.js');
    const { startGateway } = await import('../../../gateway/server.js');
    const { createLogger } = await import('../../../gateway/logger.js');
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const file = new URL('../../../config/examples/branded.yaml', import.meta.url).pathname;
    const loaded = await loadConfig(file, { env: {}, cwd: process.cwd(), checkSecrets: true });
    const data = await mkdtemp(join(tmpdir(), 'portcullis-branded-'));
    const gw = await startGateway(loaded.config, { configDir: loaded.configDir, dataDir: data, host: '127.0.0.1', port: 0, logger: createLogger('silent'), env: { NODE_ENV: 'test' } });
    try {
      const page = await new CookieClient(gw.url).get('/login', HTML);
      expect(page.text).toContain('<h1>Sign in to Acme</h1>');
      expect(page.text).toContain('<title>Log in · Acme Gate</title>');
      const logo = await fetch(`${gw.url}/_portcullis/logo`);
      expect(logo.headers.get('content-type')).toBe('image/svg+xml');
    } finally {
      await gw.close();
      await rm(data, { recursive: true, force: true });
    }
  });
});

describe('templates on reload', () => {
  it('a reload reads the templates again; a broken one is refused and the running pages stay', async () => {
    let input!: PortcullisConfigInput;
    const gw = await startTestGateway(async (dir) => {
      await mkdir(join(dir, 'templates'));
      await writeFile(join(dir, 'templates', 'login.html'), '<h1>First</h1>{{{form}}}{{{choices}}}');
      input = { ...(await demoConfig(dir)), pages: { templatesDir: 'templates' } };
      return input;
    });
    try {
      const login = async () => (await new CookieClient(gw.url).get('/login', HTML)).text;
      expect(await login()).toContain('<h1>First</h1>');
      await writeFile(join(gw.dir, 'templates', 'login.html'), '<h1>Second</h1>{{{form}}}{{{choices}}}');
      expect((await gw.reload(portcullisConfigSchema.parse(input))).ok).toBe(true);
      expect(await login()).toContain('<h1>Second</h1>');
      await writeFile(join(gw.dir, 'templates', 'login.html'), '<h1>Third</h1>{{{form}}}');
      expect((await gw.reload(portcullisConfigSchema.parse(input))).ok).toBe(false);
      expect(gw.logs()).toMatch(/configuration reload refused.*GW_TEMPLATE_INVALID|GW_TEMPLATE_INVALID.*configuration reload refused/);
      expect(await login()).toContain('<h1>Second</h1>');
    } finally {
      await gw.stop();
    }
  });
});
