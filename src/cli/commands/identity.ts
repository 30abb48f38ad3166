import { Command } from "commander";
import { verifyCredentialJwt } from "../../did.ts";
import type { JsonObject } from "../../types.ts";
import { action } from "../action.ts";
import { CliUsageError } from "../errors.ts";
import { jsonArgument } from "../io.ts";

/** `cirtusai identity ...` */
export function identityCommand(): Command {
  const identity = new Command("identity").description("DIDs and verifiable credentials");

  identity.command("get-did").description("an agent's DID and DID document").argument(
    "<agent-id>",
    "id or DID",
  )
    .action(
      action<[string]>(async (ctx, id) => ctx.out.data(await ctx.client.identity.getDid(id))),
    );

  identity.command("issue-credential").description("issue a VC-JWT signed by your master agent")
    .argument("<subject>", "agent id or DID")
    .argument("<types>", "credential types, comma-separated (e.g. AgentCapability)")
    .argument("<claim-json>", `claims as a JSON object, e.g. '{"can_pay": true}'`)
    .action(action<[string, string, string]>(async (ctx, subject, types, claim) => {
      const list = types.split(",").map((t) => t.trim()).filter(Boolean);
      if (list.length === 0) throw new CliUsageError("TYPES must name at least one type");
      const claims = jsonArgument(claim, "CLAIM_JSON", { object: true }) as JsonObject;
      ctx.out.data(
        await ctx.client.identity.issueCredential({
          subject_id: subject,
          types: list,
          claim: claims,
        }),
      );
    }));

  identity.command("verify-credential").description("verify a VC-JWT (or a credential object)")
    .argument("<credential>", "a VC-JWT, or a credential as a JSON object")
    .option("--offline", "verify locally from the issuer's did:key, without the server")
    .action(action<[string]>(async (ctx, text, opts) => {
      const credential = text.trimStart().startsWith("{")
        ? jsonArgument(text, "CREDENTIAL", { object: true }) as JsonObject
        : text;
      if (opts.offline && typeof credential !== "string") {
        throw new CliUsageError(
          "--offline verifies VC-JWT strings only; verify a credential object with the server",
        );
      }
      const result = opts.offline
        ? await verifyCredentialJwt(credential)
        : await ctx.client.identity.verifyCredential(credential);
      ctx.out.data(result);
      if (!result.verified) Deno.exitCode = 1;
    }));

  return identity;
}
