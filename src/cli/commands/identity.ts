import { action } from "../action.ts";
import { sys } from "../runtime.ts";
import type { CommandSpec } from "../command.ts";
import { CliUsageError } from "../errors.ts";
import { jsonArgument } from "../io.ts";
import type { JsonObject } from "../../sdk/types.ts";

/** `cirtusai identity ...` */
export const identityCommand: CommandSpec = {
  name: "identity",
  help: "DIDs and verifiable credentials",
  commands: [
    {
      name: "get-did",
      help: "an agent's DID and DID document",
      args: [["<agent-id>", "id or DID"]],
      run: action(async (ctx, [id]) => ctx.out.data(await ctx.client.identity.getDid(id!))),
    },
    {
      name: "issue-credential",
      help: "issue a VC-JWT signed by your master agent",
      args: [
        ["<subject>", "agent id or DID"],
        ["<types>", "credential types, comma-separated (e.g. AgentCapability)"],
        ["<claim-json>", `claims as a JSON object, e.g. '{"can_pay": true}'`],
      ],
      run: action(async (ctx, [subject, types, claim]) => {
        const list = types!.split(",").map((t) => t.trim()).filter(Boolean);
        if (list.length === 0) throw new CliUsageError("TYPES must name at least one type");
        const claims = jsonArgument(claim!, "CLAIM_JSON", { object: true }) as JsonObject;
        ctx.out.data(
          await ctx.client.identity.issueCredential({
            subject_id: subject!,
            types: list,
            claim: claims,
          }),
        );
      }),
    },
    {
      name: "verify-credential",
      help: "verify a VC-JWT (or a credential object)",
      args: [["<credential>", "a VC-JWT, or a credential as a JSON object"]],
      options: [{
        flags: "--offline",
        help: "verify locally from the issuer's did:key, without the server",
      }],
      run: action(async (ctx, [text], opts) => {
        const credential = text!.trimStart().startsWith("{")
          ? jsonArgument(text!, "CREDENTIAL", { object: true }) as JsonObject
          : text!;
        if (opts.offline && typeof credential !== "string") {
          throw new CliUsageError(
            "--offline verifies VC-JWT strings only; verify a credential object with the server",
          );
        }
        const result = opts.offline
          ? await (await import("../../sdk/did.ts")).verifyCredentialJwt(credential)
          : await ctx.client.identity.verifyCredential(credential);
        ctx.out.data(result);
        if (!result.verified) sys.exitCode = 1;
      }),
    },
  ],
};
