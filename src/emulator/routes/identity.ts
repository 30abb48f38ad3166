import { Hono } from "hono";
import { isDidKey, resolveDidKey, signCredentialJwt, verifyCredentialJwt } from "../../sdk/did.ts";
import type { Backend } from "../backend.ts";
import { type AppEnv, requireUser } from "../env.ts";
import { notFound, Problem, readJson } from "../problem.ts";
import { setValue } from "../store.ts";

/** `/identity`: DIDs and verifiable credentials. */
export function identityRoutes(backend: Backend): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", requireUser(backend));

  app.get("/dids/:id", async (c) => {
    const id = c.req.param("id");
    const agent = await backend.findAgent(c.get("user").id, id);
    // A did:key resolves from the DID itself, so any one can be answered without revealing anything.
    const did = agent?.did ?? (id.startsWith("did:") && isDidKey(id) ? id : null);
    if (!did) throw notFound("Agent");
    return c.json({ did, info: resolveDidKey(did) });
  });

  app.post("/credentials/issue", async (c) => {
    const body = await readJson<
      { subject_id: string; type: string[]; claim: Record<string, unknown> }
    >(c, {
      subject_id: "string",
      type: "string[]",
      claim: "object",
    });
    const user = c.get("user");
    const subjectAgent = await backend.findAgent(user.id, body.subject_id);
    const subject = subjectAgent?.did ??
      (body.subject_id.startsWith("did:") ? body.subject_id : null);
    if (!subject) throw notFound("Subject agent");
    if (!/^did:[a-z0-9]+:\S+$/.test(subject)) {
      throw new Problem(422, [{
        loc: ["body", "subject_id"],
        msg: "subject_id is not a DID or agent id",
        type: "value_error",
      }]);
    }
    const issuer = await backend.findAgent(user.id, user.master_agent_id);
    if (!issuer) {
      throw new Problem(409, "The account has no master agent to sign with (it was deleted)");
    }
    const privateKey = await crypto.subtle.importKey(
      "jwk",
      issuer.private_jwk,
      { name: "Ed25519" },
      false,
      ["sign"],
    );
    const credential = await signCredentialJwt({
      issuer: issuer.did,
      privateKey,
      subject,
      types: body.type,
      claim: body.claim,
      now: backend.now(),
    });
    // Kept for the emulator's UI (what was issued, to whom); never part of the API's answers.
    await setValue(backend.store, ["credentials", user.id, crypto.randomUUID()], {
      subject,
      types: body.type,
      issued_at: backend.iso(),
      credential,
    });
    return c.json({ credential });
  });

  app.post("/credentials/verify", async (c) => {
    const { credential } = await readJson<{ credential: string }>(c, { credential: "string" });
    return c.json(await verifyCredentialJwt(credential, { now: backend.now() }));
  });

  return app;
}
