/**
 * `GET /docs`: an interactive reference of `/openapi.json`, rendered by Swagger UI (the renderer
 * FastAPI serves at its own `/docs`), from the npm package `swagger-ui-dist` and served by the
 * emulator itself: no network at run time. The renderer's files are read on first use, as text
 * imports (Deno); where a runtime cannot (Node), `/docs` says so.
 *
 * @module
 */
import { Hono } from "hono";
import type { AppEnv } from "./env.ts";

const PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CirtusAI API (emulator): reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#ui", deepLinking: true });
</script>
`;

type Asset = "swagger-ui-bundle.js" | "swagger-ui.css";
const TYPES: Record<Asset, string> = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
};
const loaded = new Map<Asset, Promise<string>>();

function load(asset: Asset): Promise<string> {
  let text = loaded.get(asset);
  if (!text) {
    // Literal specifiers, so that the files are part of the module graph (and its cache).
    const module = asset === "swagger-ui.css"
      ? import("swagger-ui-dist/swagger-ui.css", { with: { type: "text" } })
      : import("swagger-ui-dist/swagger-ui-bundle.js", { with: { type: "text" } });
    text = module.then((m: { default: string }) => m.default);
    text.catch(() => loaded.delete(asset));
    loaded.set(asset, text);
  }
  return text;
}

/** `/docs` and the renderer's two files. */
export function docsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", (c) => c.html(PAGE));
  app.get("/:asset{swagger-ui-bundle\\.js|swagger-ui\\.css}", async (c) => {
    const asset = c.req.param("asset") as Asset;
    try {
      return c.body(await load(asset), 200, {
        "content-type": TYPES[asset],
        "cache-control": "public, max-age=86400",
      });
    } catch {
      return c.json({ detail: "/docs needs Deno (it reads the renderer as a text import)" }, 501);
    }
  });
  return app;
}
