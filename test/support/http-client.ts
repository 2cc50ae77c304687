/**
 * A small HTTP client with a cookie jar, for walking gateway flows the way a browser does
 * (without running one): redirects are returned, not followed, so tests can assert them.
 */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json<T = any>(): T;
  location: string | null;
}

export class CookieClient {
  readonly base: string;
  readonly jar = new Map<string, string>();

  constructor(base: string) {
    this.base = base;
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.request('GET', path, undefined, headers);
  }

  async postForm(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    return this.request('POST', path, new URLSearchParams(form).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  }

  /** GET, following redirects within the gateway, at most `limit` hops. */
  async follow(path: string, headers: Record<string, string> = {}, limit = 5): Promise<Answer & { url: string }> {
    let url = path;
    for (let hop = 0; hop <= limit; hop++) {
      const answer = await this.get(url, headers);
      if (answer.status < 300 || answer.status >= 400 || !answer.location) return { ...answer, url };
      url = answer.location.startsWith('http') ? new URL(answer.location).pathname + new URL(answer.location).search : answer.location;
    }
    throw new Error(`more than ${limit} redirects from ${path}`);
  }

  async request(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(new URL(path, this.base), {
      method,
      body,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...headers },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: () => JSON.parse(text),
      location: response.headers.get('location'),
    };
  }
}

/** The hidden CSRF value of the login form in a page. */
export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no csrf field in the page');
  return match[1]!;
}

/** Log in through the form like a browser: fetch the form, post it with its CSRF value. */
export async function loginWithForm(client: CookieClient, username: string, password: string, returnTo = '/'): Promise<Answer> {
  const form = await client.get(`/login?returnTo=${encodeURIComponent(returnTo)}`);
  return client.postForm('/login', { username, password, csrf: csrfOf(form.text), returnTo });
}
