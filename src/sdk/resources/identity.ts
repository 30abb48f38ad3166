import { requireObject } from "../arguments.ts";
import { InvalidArgumentError } from "../errors.ts";
import { type CallOptions, encodePathParam, type HttpClient } from "../http.ts";
import { parseCredentialVerification, parseDid, parseIssuedCredential } from "../parse.ts";
import type {
  CredentialVerification,
  DID,
  IssueCredentialInput,
  IssuedCredential,
  JsonObject,
} from "../types.ts";

/**
 * DIDs of agents and verifiable credentials (VC-JWT).
 *
 * @example
 * ```ts
 * import { CirtusAIClient } from "@cirtusai/sdk";
 * const client = new CirtusAIClient("http://localhost:8000", { token: "..." });
 * const { credential } = await client.identity.issueCredential({
 *   subject_id: "did:key:z6Mk...", types: ["AgentCapability"], claim: { canPay: true },
 * });
 * console.log((await client.identity.verifyCredential(credential)).verified);
 * ```
 */
export class IdentityResource {
  readonly #http: HttpClient;

  /** Used by {@linkcode CirtusAIClient}; not meant to be built directly. */
  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** The DID and DID document of an agent (by id or DID). */
  async getDid(agentId: string, options?: CallOptions): Promise<DID> {
    return await this.#http.request({
      method: "GET",
      path: `/identity/dids/${encodePathParam(agentId, "agent_id")}`,
      parse: parseDid,
      signal: options?.signal,
    });
  }

  /** Issues a credential signed by the user's master agent. The wire key for `types` is `type`. */
  async issueCredential(
    input: IssueCredentialInput,
    options?: CallOptions,
  ): Promise<IssuedCredential> {
    if (typeof input?.subject_id !== "string" || !input.subject_id) {
      throw new InvalidArgumentError("subject_id", "subject_id must be an agent id or a DID");
    }
    if (!Array.isArray(input.types) || input.types.some((t) => typeof t !== "string" || !t)) {
      throw new InvalidArgumentError("types", "types must be an array of non-empty strings");
    }
    requireObject(input.claim, "claim");
    return await this.#http.request({
      method: "POST",
      path: "/identity/credentials/issue",
      json: { subject_id: input.subject_id, type: input.types, claim: input.claim },
      parse: parseIssuedCredential,
      signal: options?.signal,
    });
  }

  /** Asks the server to verify a credential: a VC-JWT, or an object as `issueCredential` gave it. */
  async verifyCredential(
    credential: string | JsonObject,
    options?: CallOptions,
  ): Promise<CredentialVerification> {
    const ok = typeof credential === "string"
      ? credential.length > 0
      : typeof credential === "object" && credential !== null && !Array.isArray(credential);
    if (!ok) {
      throw new InvalidArgumentError(
        "credential",
        "credential must be a VC-JWT string or a credential object",
      );
    }
    return await this.#http.request({
      method: "POST",
      path: "/identity/credentials/verify",
      json: { credential },
      parse: parseCredentialVerification,
      signal: options?.signal,
    });
  }
}
