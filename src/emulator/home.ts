/**
 * `GET /`: where things are. The emulator's root answers with links to the API, its UI, `/docs`
 * and `/openapi.json`, and says where data is kept: a page for a browser (by `Accept`), JSON for
 * anything else. (The real API has no root page; this is the emulator's own.)
 *
 * @module
 */
import type { Context } from "hono";
import { VERSION } from "../sdk/version.ts";

/** What the emulator runs with, as the root page and the start-up banner tell it. */
export interface EmulatorFacts {
  /** `"memory"` (data is lost at exit), `"kv"` (Deno KV), or `"custom"`. */
  store: "memory" | "kv" | "custom";
  /** Whether `/_emulator` (and its UI) is served. */
  devRoutes: boolean;
}

/** The links of an emulator at `base` (`http://localhost:8000`). */
export function emulatorLinks(base: string, facts: EmulatorFacts): Record<string, string> {
  return {
    api: base,
    ...(facts.devRoutes ? { ui: `${base}/_emulator/ui` } : {}),
    docs: `${base}/docs`,
    openapi: `${base}/openapi.json`,
  };
}

/** How the store keeps data, in words. */
export function storeNote(facts: EmulatorFacts): string {
  return facts.store === "memory"
    ? "in memory: data is lost at exit"
    : facts.store === "kv"
    ? "Deno KV: data is kept across restarts"
    : "a custom store";
}

const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The `GET /` handler. */
export function homePage(facts: EmulatorFacts): (c: Context) => Response {
  return (c) => {
    const links = emulatorLinks(new URL(c.req.url).origin, facts);
    const body = {
      name: "CirtusAI emulator",
      version: VERSION,
      links,
      store: facts.store,
      store_note: storeNote(facts),
    };
    if (!/\btext\/html\b/i.test(c.req.header("accept") ?? "")) return c.json(body);
    const labels: Record<string, string> = {
      api: "API base URL",
      ui: "Emulator UI: accounts, their current codes, the clock",
      docs: "API reference (Swagger UI)",
      openapi: "OpenAPI document",
    };
    const items = Object.entries(links).map(([k, url]) =>
      `<li><a href="${escape(url)}">${escape(url)}</a> ${escape(labels[k])}</li>`
    ).join("\n");
    return c.html(
      `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CirtusAI emulator</title>
<style>:root { color-scheme: light dark; font: 15px/1.5 system-ui, sans-serif; } body { margin: 2rem; max-width: 50rem; }</style>
<h1>CirtusAI emulator ${escape(VERSION)}</h1>
<p>A local CirtusAI API with the real semantics, for development and tests.</p>
<ul>
${items}
</ul>
<p>Store: ${escape(storeNote(facts))}.</p>
`,
      200,
      { "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'" },
    );
  };
}
