/**
 * The example web app, served with the edge proxy in session mode: the page calls `/api/*` on its
 * own origin and never holds a CirtusAI token (they stay in the proxy's HttpOnly cookie).
 *
 *   deno task web        # PORT (8080) in front of CIRTUSAI_UPSTREAM (http://localhost:8000)
 *
 * CIRTUSAI_COOKIE_SECRET comes from the environment, or a random one is made for local use (the
 * sessions then end when the server stops).
 */
import { createProxy, serve } from "../../src/proxy/mod.ts";

const PAGE = new URL("./index.html", import.meta.url);

/** The app: the page at `/`, the proxy at `/api/*`. */
export function webApp(options: { upstream: string; cookieSecret: string }) {
  const proxy = createProxy({ upstream: options.upstream, cookieSecret: options.cookieSecret });
  return async (request: Request, info?: unknown): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname === "/" || pathname === "/index.html") {
      return new Response(await Deno.readFile(PAGE), {
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

if (import.meta.main) {
  const port = Number(Deno.env.get("PORT") ?? 8080);
  const upstream = Deno.env.get("CIRTUSAI_UPSTREAM") ?? "http://localhost:8000";
  let cookieSecret = Deno.env.get("CIRTUSAI_COOKIE_SECRET");
  if (!cookieSecret) {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    cookieSecret = btoa(String.fromCharCode(...bytes));
    console.log(
      "CIRTUSAI_COOKIE_SECRET is not set: using a random one (sessions end with the server)",
    );
  }
  // serve(): slow clients are cut off (a head in 10 s, a request in 30 s, 60 s idle).
  const server = await serve(webApp({ upstream, cookieSecret }), { port, hostname: "127.0.0.1" });
  console.log(
    `CirtusAI example app on http://localhost:${server.port}, in front of ${upstream}`,
  );
}
