// A type test, checked by tests/contract_test.ts with `deno check` once openapi-typescript has
// generated ./generated/api.d.ts from the emulator's /openapi.json: each SDK model and each SDK
// method's answer is assignable to the generated type and back. The exceptions are what docs/API.md
// says the SDK fills itself or renames, each marked where it is made.
import type { components, operations } from "./generated/api.d.ts";
import type { AgentsResource, AuthResource, IdentityResource, WalletsResource } from "../../mod.ts";
import type * as sdk from "../../mod.ts";

type S = components["schemas"];
/** `true` when A and B are assignable to each other; otherwise which way fails. */
type Mutual<A, B> = [A] extends [B] ? [B] extends [A] ? true : "the document's is not the SDK's"
  : "the SDK's is not the document's";
type Ok<T extends true> = T;

/** docs/API.md: the SDK fills `token_type` (`"bearer"`) when the server leaves it out. */
type Unfilled<T> = T extends { access_token: string } ? Omit<T, "token_type"> & {
    token_type?: string | null;
  }
  : T;

type Answer<R, M extends keyof R> = R[M] extends (...args: never[]) => Promise<infer T> ? T
  : never;
type Json<O extends keyof operations, Status extends number> = operations[O]["responses"] extends
  infer R
  ? Status extends keyof R ? R[Status] extends { content: { "application/json": infer T } } ? T
    : never
  : never
  : never;

export type Models = [
  Ok<Mutual<Unfilled<sdk.Token>, S["Token"]>>,
  Ok<Mutual<sdk.TwoFactorRequired, S["TwoFactorRequired"]>>,
  Ok<Mutual<Unfilled<sdk.LoginResult>, S["LoginResult"]>>,
  Ok<Mutual<sdk.TwoFactorSetup, S["TwoFactorSetup"]>>,
  Ok<Mutual<sdk.TwoFactorStatus, S["TwoFactorStatus"]>>,
  Ok<Mutual<sdk.TwoFactorDebug, S["TwoFactorDebug"]>>,
  Ok<Mutual<sdk.Message, S["Message"]>>,
  Ok<Mutual<sdk.SmsCodeSent, S["SmsCodeSent"]>>,
  Ok<Mutual<sdk.Agent, S["Agent"]>>,
  Ok<Mutual<sdk.ChildAgent, S["ChildAgent"]>>,
  Ok<Mutual<sdk.AgentOrChild, S["AgentOrChild"]>>,
  Ok<Mutual<sdk.ChildAgentUpdate, S["ChildAgentUpdate"]>>,
  Ok<Mutual<sdk.Asset, S["Asset"]>>,
  Ok<Mutual<sdk.ProvisionedAsset, S["ProvisionedAsset"]>>,
  Ok<Mutual<sdk.AssetList, S["AssetList"]>>,
  Ok<Mutual<sdk.EmailAccount, S["EmailAccount"]>>,
  Ok<Mutual<sdk.EmailAccountInput, S["EmailAccountInput"]>>,
  Ok<Mutual<sdk.EmailTokenRefresh, S["EmailTokenRefresh"]>>,
  Ok<Mutual<sdk.DID, S["DID"]>>,
  Ok<Mutual<sdk.IssuedCredential, S["IssuedCredential"]>>,
  Ok<Mutual<sdk.CredentialVerification, S["CredentialVerification"]>>,
  // The server also takes a null method (the Python SDK's Optional); the TypeScript SDK sends a
  // method or none.
  Ok<
    Mutual<
      sdk.RegisterInput,
      Omit<S["RegisterInput"], "preferred_2fa_method"> & {
        preferred_2fa_method?: "totp" | "sms";
      }
    >
  >,
  // docs/API.md: the SDK's `types` is the wire's `type`.
  Ok<
    Mutual<
      Omit<sdk.IssueCredentialInput, "types"> & { type: string[] },
      operations["issueCredential"]["requestBody"]["content"]["application/json"]
    >
  >,
];

/** Each SDK method's answer and its operation's success answer (operationId = method name). */
export type Answers = [
  Ok<Mutual<Answer<AuthResource, "register">, Json<"register", 201>>>,
  Ok<Mutual<Unfilled<Answer<AuthResource, "login">>, Json<"login", 200>>>,
  Ok<Mutual<Unfilled<Answer<AuthResource, "verify2fa">>, Json<"verify2fa", 200>>>,
  Ok<Mutual<Unfilled<Answer<AuthResource, "refresh">>, Json<"refresh", 200>>>,
  Ok<Mutual<Answer<AuthResource, "get2faStatus">, Json<"get2faStatus", 200>>>,
  Ok<Mutual<Answer<AuthResource, "setup2fa">, Json<"setup2fa", 200>>>,
  Ok<Mutual<Answer<AuthResource, "confirm2fa">, Json<"confirm2fa", 200>>>,
  Ok<Mutual<Answer<AuthResource, "disable2fa">, Json<"disable2fa", 200>>>,
  Ok<Mutual<Answer<AuthResource, "requestSmsCode">, Json<"requestSmsCode", 200>>>,
  Ok<Mutual<Answer<AuthResource, "debug2fa">, Json<"debug2fa", 200>>>,
  Ok<Mutual<Answer<AgentsResource, "listAgents">, Json<"listAgents", 200>>>,
  Ok<Mutual<Answer<AgentsResource, "getAgent">, Json<"getAgent", 200>>>,
  Ok<Mutual<Answer<AgentsResource, "createChildAgent">, Json<"createChildAgent", 201>>>,
  Ok<Mutual<Answer<AgentsResource, "getChildren">, Json<"getChildren", 200>>>,
  Ok<
    Mutual<Answer<AgentsResource, "updateChildPermissions">, Json<"updateChildPermissions", 200>>
  >,
  Ok<Mutual<Answer<AgentsResource, "provisionEmail">, Json<"provisionEmail", 200>>>,
  Ok<Mutual<Answer<AgentsResource, "provisionWallet">, Json<"provisionWallet", 200>>>,
  Ok<Mutual<Answer<WalletsResource, "listAssets">, Json<"listAssets", 200>>>,
  Ok<Mutual<Answer<WalletsResource, "listEmailAccounts">, Json<"listEmailAccounts", 200>>>,
  Ok<Mutual<Answer<WalletsResource, "getEmailAccount">, Json<"getEmailAccount", 200>>>,
  Ok<Mutual<Answer<WalletsResource, "createEmailAccount">, Json<"createEmailAccount", 201>>>,
  Ok<Mutual<Answer<WalletsResource, "updateEmailAccount">, Json<"updateEmailAccount", 200>>>,
  Ok<Mutual<Answer<WalletsResource, "refreshEmailToken">, Json<"refreshEmailToken", 200>>>,
  Ok<Mutual<Answer<IdentityResource, "getDid">, Json<"getDid", 200>>>,
  Ok<Mutual<Answer<IdentityResource, "issueCredential">, Json<"issueCredential", 200>>>,
  Ok<Mutual<Answer<IdentityResource, "verifyCredential">, Json<"verifyCredential", 200>>>,
];
