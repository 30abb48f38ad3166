// GET /openapi.json: an OpenAPI 3.1 document of the whole wire contract, held to the emulator's
// own routes (every route served is in the document and every path of the document is served),
// and requests the document describes are accepted.
import assert from "node:assert/strict";
import { raw, signUp, testEmulator } from "./helpers.ts";

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { requestBody?: unknown; security?: unknown }>>;
  components: { schemas: Record<string, { required: string[] }> };
};

Deno.test("the OpenAPI document and the emulator's routes are the same set", async () => {
  const emulator = testEmulator();
  const doc = (await raw(emulator, "GET", "/openapi.json")).body as Doc;
  assert.equal(doc.openapi, "3.1.0");
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)
    ),
  );
  const routes = (emulator.app as unknown as { routes: { method: string; path: string }[] })
    .routes
    .filter((r) => r.method !== "ALL" && !r.path.startsWith("/_emulator"))
    .filter((r) => r.path !== "/" && r.path !== "/openapi.json" && !r.path.startsWith("/docs"))
    .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
  assert.deepEqual([...new Set(routes)].sort(), [...documented].sort());
});

Deno.test("the document's models require only what the seeds require", async () => {
  const doc = (await raw(testEmulator(), "GET", "/openapi.json")).body as Doc;
  const required = (name: string) => doc.components.schemas[name].required;
  assert.deepEqual(required("Agent"), ["id"]);
  assert.deepEqual(required("ChildAgent"), ["id"]);
  assert.deepEqual(required("Asset"), ["id", "type", "details"]);
  assert.deepEqual(required("Token"), ["access_token"]);
  assert.deepEqual(required("TwoFactorRequired"), ["requires_2fa", "temporary_token"]);
  assert.deepEqual(required("TwoFactorSetup"), ["secret", "qr_code_uri", "backup_codes"]);
  assert.deepEqual(required("TwoFactorStatus"), []);
  assert.deepEqual(required("EmailAccount"), ["id", "provider", "email_address", "config"]);
  assert.deepEqual(required("DID"), ["did", "info"]);
  assert.deepEqual(required("CredentialResponse"), ["credential"]);
});

Deno.test("requests the document describes are accepted, with and without a token where it says", async () => {
  const emulator = testEmulator();
  const doc = (await raw(emulator, "GET", "/openapi.json")).body as Doc;
  const { client } = await signUp(emulator);
  const token = client.token!;
  // Every operation marked with bearer security refuses a request without a token.
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!op.security) continue;
      const res = await raw(emulator, method.toUpperCase(), path.replace("{id}", "x"), {});
      assert.equal(res.status, 401, `${method} ${path} without a token`);
    }
  }
  // A documented body for a documented path is accepted.
  const [master] = await client.agents.listAgents();
  const created = await raw(emulator, "POST", "/agents/children", {
    token,
    json: { parent_id: master.id, name: "from the document" },
  });
  assert.equal(created.status, 201);
  const issue = await raw(emulator, "POST", "/identity/credentials/issue", {
    token,
    json: { subject_id: master.id, type: ["T"], claim: {} },
  });
  assert.equal(issue.status, 200);
});
