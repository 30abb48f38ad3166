/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of the wire contract (docs/API.md), generated from
 * the routes' own declarations (`@hono/zod-openapi`), as FastAPI, on which the real backend is
 * built, serves its own. Generated once, on first request.
 *
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./env.ts";
import { TAGS } from "./schemas/operation.ts";

/** The document of `app`'s declared routes. */
export function openApiDocument(app: OpenAPIHono<AppEnv>, version: string): unknown {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "An access token from /auth/verify-2fa, /auth/login (legacy) or /auth/refresh",
  });
  const document = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "CirtusAI API (emulator)",
      version,
      description: "The wire contract of docs/API.md, as the emulator serves it: every bound, " +
        "pattern and status here is what the server enforces.",
      // OpenAPI 3.1's SPDX `identifier` (the generator's types know only 3.0's `url`).
      license: { name: "MIT", identifier: "MIT" } as { name: string },
    },
    servers: [{ url: "http://127.0.0.1:8000", description: "`deno task emulator`" }],
    tags: TAGS,
  });
  // Nothing of these is declared; empty, they are only noise to readers and linters.
  const { webhooks: _webhooks, ...rest } = document;
  delete (rest.components as { parameters?: unknown } | undefined)?.parameters;
  return rest;
}
