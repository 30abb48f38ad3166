/**
 * `GET /docs`: an interactive reference of `/openapi.json`, rendered by Swagger UI (the renderer
 * FastAPI serves at its own `/docs`) and served by the emulator itself: no network at run time.
 * From the source (Deno) its two files are text imports of the npm package `swagger-ui-dist`;
 * the `cirtusai` npm package and the single binary carry them as JavaScript modules of that text
 * (`deno task pack` makes them), so that Node and Bun load them too, with no package whose install
 * runs a script. Where they cannot be loaded, `/docs` is a 501 page that says why and what to do.
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

function unavailable(reason: string): string {
  const escaped = reason.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CirtusAI API (emulator): reference unavailable</title>
<h1>The API reference cannot be shown here</h1>
<p>The emulator could not load Swagger UI's files on this runtime (${escaped}).</p>
<p>Run the emulator from the <code>cirtusai</code> npm package (<code>npx cirtusai emulator</code>),
the single binary, or with Deno (<code>deno task emulator</code>): they all serve this page.</p>
<p>The API itself works, and its OpenAPI document is at <a href="/openapi.json">/openapi.json</a>.</p>
`;
}

type Asset = "swagger-ui-bundle.js" | "swagger-ui.css";
const TYPES: Record<Asset, string> = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
};
const loaded = new Map<Asset, Promise<string>>();

function load(asset: Asset): Promise<string> {
  let text = loaded.get(asset);
  if (!text) {
    // Literal specifiers, so that the files are part of the module graph (and its cache), and
    // `deno task pack` can carry them into the npm package.
    const module = asset === "swagger-ui.css"
      ? import("swagger-ui-dist/swagger-ui.css", { with: { type: "text" } })
      : import("swagger-ui-dist/swagger-ui-bundle.js", { with: { type: "text" } });
    text = module.then((m: { default: string }) => m.default);
    text.catch(() => loaded.delete(asset));
    loaded.set(asset, text);
  }
  return text;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message.split("\n")[0].slice(0, 200) : String(err);
}

/** `/docs` and the renderer's two files. */
export function docsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => {
    // The page is only useful with its renderer: check both files load before sending it.
    try {
      await Promise.all([load("swagger-ui-bundle.js"), load("swagger-ui.css")]);
    } catch (err) {
      return c.html(unavailable(reason(err)), 501);
    }
    return c.html(PAGE);
  });
  app.get("/:asset{swagger-ui-bundle\\.js|swagger-ui\\.css}", async (c) => {
    const asset = c.req.param("asset") as Asset;
    try {
      return c.body(await load(asset), 200, {
        "content-type": TYPES[asset],
        "cache-control": "public, max-age=86400",
      });
    } catch (err) {
      return c.json({ detail: `Swagger UI's ${asset} could not be loaded: ${reason(err)}` }, 501);
    }
  });
  return app;
}
