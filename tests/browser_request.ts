// Shared by the proxy's tests: a request as a browser's page sends it, and what the Chromium
// tests need installed.

/** What a page's call carries besides its method and URL. */
export interface BrowserCall {
  /** `Host`; default the URL's host; null for none (as HTTP/2 sends it). */
  host?: string | null;
  /** `Origin`; default the URL's origin; null for none (a same-origin GET). */
  origin?: string | null;
  /** The `Cookie` header. */
  cookie?: string;
  /** A JSON body. */
  json?: unknown;
  /** A form body. */
  form?: Record<string, string>;
  /** Other headers, set first. */
  headers?: Record<string, string>;
}

/** `method url` as a browser sends it, with its Host and Origin. */
export function browserRequest(method: string, url: string, init: BrowserCall = {}): Request {
  const target = new URL(url);
  const headers = new Headers(init.headers);
  const host = init.host === undefined ? target.host : init.host;
  if (host !== null && !headers.has("host")) headers.set("host", host);
  const origin = init.origin === undefined ? target.origin : init.origin;
  if (origin !== null && !headers.has("origin")) headers.set("origin", origin);
  if (init.cookie) headers.set("cookie", init.cookie);
  let body: BodyInit | undefined;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  } else if (init.form) {
    headers.set("content-type", "application/x-www-form-urlencoded");
    body = new URLSearchParams(init.form);
  }
  return new Request(url, { method, headers, body });
}

/** Fails, saying how to install them, when Debian's Chromium or playwright-core is missing. */
export async function requireChromium(): Promise<void> {
  const root = new URL("..", import.meta.url).pathname;
  const needed: [string, string][] = [
    [Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium", "apt-get install -y chromium"],
    [
      `${root}tests/runtimes/node_modules/playwright-core/package.json`,
      "npm ci --prefix tests/runtimes",
    ],
  ];
  for (const [path, install] of needed) {
    try {
      await Deno.stat(path);
    } catch {
      throw new Error(`${path} is missing. Install it with: ${install}`);
    }
  }
}
