import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { isDidKey, resolveDidKey, signCredentialJwt, verifyCredentialJwt } from "../../sdk/did.ts";
import type { Backend } from "../backend.ts";
import { type AppEnv, requireUser } from "../env.ts";
import { notFound, Problem } from "../problem.ts";
import { bodyId, idParams, jsonObject } from "../schemas/fields.ts";
import { CredentialVerification, Did, IssuedCredential } from "../schemas/models.ts";
import {
  AUTH_FAILURES,
  BEARER,
  BODY_FAILURES,
  error,
  json,
  jsonRequest,
  routesOn,
} from "../schemas/operation.ts";
import { setValue } from "../store.ts";
import { validationHook } from "../validation.ts";

const DID = /^did:[a-z0-9]+:\S+$/;

/** `/identity`: DIDs and verifiable credentials. */
export function identityRoutes(backend: Backend): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const serve = routesOn(app, requireUser(backend));
  const tags = ["identity"];
  const security = BEARER;

  serve(
    createRoute({
      method: "get",
      path: "/dids/{id}",
      operationId: "getDid",
      tags,
      security,
      summary: "The DID document of one of your agents, or of any did:key",
      request: { params: idParams("Agent") },
      responses: {
        200: json(Did, "The DID and its document"),
        ...AUTH_FAILURES,
        404: error("Agent not found"),
      },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const agent = await backend.findAgent(c.get("user").id, id);
      // A did:key resolves from the DID itself, so any one can be answered without revealing anything.
      const did = agent?.did ?? (id.startsWith("did:") && isDidKey(id) ? id : null);
      if (!did) throw notFound("Agent");
      return c.json({ did, info: resolveDidKey(did) }, 200);
    },
  );

  serve(
    createRoute({
      method: "post",
      path: "/credentials/issue",
      operationId: "issueCredential",
      tags,
      security,
      summary: "Issue a VC-JWT signed by your master agent",
      request: {
        body: jsonRequest(z.object({
          subject_id: bodyId("subject_id", "One of your agents (id or DID), or any DID"),
          type: z.array(z.string()).openapi({
            description: "Credential types; `VerifiableCredential` is put first",
          }),
          claim: jsonObject.openapi({
            description: "Claims about the subject (credentialSubject)",
          }),
        })),
      },
      responses: {
        200: json(IssuedCredential, "`{credential: <VC-JWT>}`"),
        ...AUTH_FAILURES,
        ...BODY_FAILURES,
        404: error("Subject agent not found"),
        409: error("The account has no master agent to sign with (it was deleted)"),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const user = c.get("user");
      const subjectAgent = await backend.findAgent(user.id, body.subject_id);
      const subject = subjectAgent?.did ??
        (body.subject_id.startsWith("did:") ? body.subject_id : null);
      if (!subject) throw notFound("Subject agent");
      if (!DID.test(subject)) {
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
      return c.json({ credential }, 200);
    },
  );

  serve(
    createRoute({
      method: "post",
      path: "/credentials/verify",
      operationId: "verifyCredential",
      tags,
      security,
      summary: "Verify a credential: a VC-JWT, or an object carrying one in proof.jwt",
      description:
        "W3C VC Data Model 1.1, JWT encoding: the signature of the did:key in `iss`, the `vc` " +
        "claim (its `@context`, `type` and `credentialSubject`), `iss` and `sub` agreeing with " +
        "it, and `nbf`/`exp` within 60 s of the server's clock. A credential object must " +
        "agree with its `proof.jwt`: its `@context`, `type`, `issuer`, `credentialSubject` and " +
        "every other member but `proof` are what the JWT signs. Anything else is " +
        "`verified: false` with the reason, never an error.",
      request: {
        body: jsonRequest(z.object({
          credential: z.union([z.string(), jsonObject]).openapi({
            description: "A compact VC-JWT, or a credential object with `proof.jwt`",
          }),
        })),
      },
      responses: {
        200: json(
          CredentialVerification,
          "`{verified: true, payload}` or `{verified: false, error}`",
        ),
        ...AUTH_FAILURES,
        ...BODY_FAILURES,
      },
    }),
    async (c) => {
      const { credential } = c.req.valid("json");
      return c.json(await verifyCredentialJwt(credential, { now: backend.now() }), 200);
    },
  );

  return app;
}
