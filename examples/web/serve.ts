/**
 * The example web app, served with the edge proxy in session mode: the page calls `/api/*` on its
 * own origin and never holds a CirtusAI token (they stay in the proxy's HttpOnly cookie).
 *
 *   deno task web [--port 8080] [--host 127.0.0.1] [--upstream http://localhost:8000]
 *
 * CIRTUSAI_COOKIE_SECRET comes from the environment, or a random one is made for local use (the
 * sessions then end when the server stops).
 */
import { parseArgs } from "node:util";
import { createProxy, proxyOptionsFromEnv, serve } from "../../src/proxy/mod.ts";
import { SUPPORTED_CHAINS } from "../../src/sdk/chains.ts";
import { CirtusAIError } from "../../src/sdk/errors.ts";

const PAGE = new URL("./index.html", import.meta.url);

const USAGE = `usage: deno task web [options]

The example web app on this machine, in front of a CirtusAI API (start one with
\`deno task emulator\`). The page talks to the edge proxy on its own origin; the
session stays in an HttpOnly cookie.

  --port N          port to listen on (default $PORT or 8080; 0 picks a free one)
  --host ADDRESS    interface to listen on (default 127.0.0.1; 0.0.0.0 for your network)
  --upstream URL    the API (default $CIRTUSAI_UPSTREAM or http://localhost:8000)
  -h, --help        this help

CIRTUSAI_COOKIE_SECRET: base64 of 32 random bytes (openssl rand -base64 32); when it
is not set, a random one is made and sessions end when the server stops.`;

/** The page, with the chains the API supports as the wallet form's choices. */
async function page(): Promise<string> {
  const options = SUPPORTED_CHAINS.map((chain) => `<option>${chain}</option>`).join("");
  return (await Deno.readTextFile(PAGE)).replace("<!-- chains -->", options);
}

/** The app: the page at `/`, the proxy at `/api/*`. */
export function webApp(
  options: { upstream: string; cookieSecret: string },
): (request: Request, info?: unknown) => Promise<Response> {
  const proxy = createProxy({ upstream: options.upstream, cookieSecret: options.cookieSecret });
  let html: Promise<string> | null = null;
  return async (request: Request, info?: unknown): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname === "/" || pathname === "/index.html") {
      return new Response(await (html ??= page()), {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy":
            "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
        },
      });
    }
    return await proxy.fetch(request, info);
  };
}

/** Runs the app from the command line; the exit code (0, 1 a port in use, 2 bad usage). */
async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        upstream: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    console.error(`deno task web: ${(err as Error).message} (see deno task web --help)`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const portText = values.port ?? Deno.env.get("PORT") ?? "8080";
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    console.error(`deno task web: --port must be a number from 0 to 65535, not "${portText}"`);
    return 2;
  }
  const hostname = values.host ?? "127.0.0.1";
  const upstream = values.upstream ?? Deno.env.get("CIRTUSAI_UPSTREAM") ?? "http://localhost:8000";
  let cookieSecret = Deno.env.get("CIRTUSAI_COOKIE_SECRET");
  if (!cookieSecret) {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    cookieSecret = btoa(String.fromCharCode(...bytes));
    console.log(
      "CIRTUSAI_COOKIE_SECRET is not set: using a random one (sessions end with the server)",
    );
  }
  let app;
  try {
    // The bindings' own check first, so that a bad secret is named as the variable it came from.
    proxyOptionsFromEnv({ CIRTUSAI_UPSTREAM: upstream, CIRTUSAI_COOKIE_SECRET: cookieSecret });
    app = webApp({ upstream, cookieSecret });
  } catch (err) {
    if (!(err instanceof CirtusAIError)) throw err;
    console.error(`deno task web: ${err.message}`);
    return 2;
  }
  let server;
  try {
    // serve(): slow clients are cut off (a head in 10 s, a request in 30 s, 60 s idle).
    server = await serve(app, { port, hostname });
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      console.error(
        `deno task web: port ${port} is in use; try another: deno task web --port ${
          port === 65535 ? 8081 : port + 1
        }`,
      );
      return 1;
    }
    if (
      err instanceof Deno.errors.AddrNotAvailable || err instanceof Deno.errors.PermissionDenied
    ) {
      console.error(`deno task web: cannot listen on ${hostname}:${port} (${err.message})`);
      return 1;
    }
    throw err;
  }
  const url = hostname === "127.0.0.1" || hostname === "0.0.0.0"
    ? `http://localhost:${server.port}`
    : server.url;
  console.log(`CirtusAI example app on ${url}, in front of ${upstream}`);
  await server.finished;
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
