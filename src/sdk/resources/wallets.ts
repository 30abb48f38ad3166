import { requireNonBlank, requireObject } from "../arguments.ts";
import { type CallOptions, encodePathParam, type HttpClient } from "../http.ts";
import {
  parseAssetList,
  parseEmailAccount,
  parseEmailAccounts,
  parseEmailTokenRefresh,
} from "../parse.ts";
import type { AssetList, EmailAccount, EmailAccountInput, EmailTokenRefresh } from "../types.ts";

/**
 * The user's assets and linked e-mail accounts.
 *
 * @example
 * ```ts
 * import { CirtusAIClient } from "@cirtusai/sdk";
 * const client = new CirtusAIClient("http://localhost:8000", { token: "..." });
 * const { assets } = await client.wallets.listAssets();
 * ```
 */
export class WalletsResource {
  readonly #http: HttpClient;

  /** Used by {@linkcode CirtusAIClient}; not meant to be built directly. */
  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** Every asset of the user's agents. */
  async listAssets(options?: CallOptions): Promise<AssetList> {
    return await this.#http.request({
      method: "GET",
      path: "/wallets",
      parse: parseAssetList,
      signal: options?.signal,
    });
  }

  /** Linked e-mail accounts. */
  async listEmailAccounts(options?: CallOptions): Promise<EmailAccount[]> {
    return await this.#http.request({
      method: "GET",
      path: "/wallets/email_accounts/",
      parse: parseEmailAccounts,
      signal: options?.signal,
    });
  }

  /** One linked e-mail account. */
  async getEmailAccount(accountId: string, options?: CallOptions): Promise<EmailAccount> {
    return await this.#http.request({
      method: "GET",
      path: accountPath(accountId),
      parse: parseEmailAccount,
      signal: options?.signal,
    });
  }

  /** Links an e-mail account. */
  async createEmailAccount(input: EmailAccountInput, options?: CallOptions): Promise<EmailAccount> {
    return await this.#http.request({
      method: "POST",
      path: "/wallets/email_accounts",
      json: emailBody(input),
      parse: parseEmailAccount,
      signal: options?.signal,
    });
  }

  /** Replaces a linked e-mail account's provider, address and config. */
  async updateEmailAccount(
    accountId: string,
    input: EmailAccountInput,
    options?: CallOptions,
  ): Promise<EmailAccount> {
    return await this.#http.request({
      method: "PUT",
      path: accountPath(accountId),
      json: emailBody(input),
      parse: parseEmailAccount,
      signal: options?.signal,
    });
  }

  /** Unlinks an e-mail account. */
  async deleteEmailAccount(accountId: string, options?: CallOptions): Promise<void> {
    await this.#http.request({
      method: "DELETE",
      path: accountPath(accountId),
      signal: options?.signal,
    });
  }

  /** Gets a new provider access token for a linked account. */
  async refreshEmailToken(accountId: string, options?: CallOptions): Promise<EmailTokenRefresh> {
    return await this.#http.request({
      method: "POST",
      path: `${accountPath(accountId)}/refresh`,
      parse: parseEmailTokenRefresh,
      signal: options?.signal,
    });
  }
}

function accountPath(accountId: string): string {
  return `/wallets/email_accounts/${encodePathParam(accountId, "account_id")}`;
}

function emailBody(input: EmailAccountInput): EmailAccountInput {
  requireNonBlank(input?.provider, "provider");
  requireNonBlank(input.email_address, "email_address");
  const config = requireObject(input.config ?? {}, "config");
  return { provider: input.provider, email_address: input.email_address, config };
}
