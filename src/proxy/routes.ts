/**
 * Which upstream calls the proxy forwards: an allowlist of method + path patterns, and the
 * checks that keep a path from escaping it.
 *
 * @module
 */

/** One allowed call: an HTTP method and a path pattern (`:name` matches one segment). */
export interface RouteRule {
  /** `GET`, `POST`, `PUT`, `DELETE`. */
  method: string;
  /** e.g. `/agents/:id`. */
  path: string;
}

/**
 * Every route of the CirtusAI API contract: what session mode allows by default. Service mode
 * takes the routes it exposes, such as a few of these.
 *
 * @example
 * ```ts
 * import { API_ROUTES, createProxy } from "@cirtusai/sdk/proxy";
 * const readOnly = API_ROUTES.filter((r) => r.method === "GET" && !r.path.startsWith("/auth/"));
 * const app = createProxy({
 *   upstream: "http://localhost:8000",
 *   mode: "service",
 *   service: { username: "bot", password: "correct horse", totpSecret: "JBSWY3DPEHPK3PXP" },
 *   routes: readOnly,
 * });
 * ```
 */
export const API_ROUTES: readonly RouteRule[] = [
  ["POST", "/auth/register"],
  ["POST", "/auth/login"],
  ["POST", "/auth/verify-2fa"],
  ["POST", "/auth/refresh"],
  ["GET", "/auth/2fa/status"],
  ["GET", "/auth/2fa/setup"],
  ["POST", "/auth/2fa/confirm"],
  ["POST", "/auth/2fa/disable"],
  ["GET", "/auth/2fa/qr"],
  ["POST", "/auth/2fa/request-sms"],
  ["GET", "/auth/debug-2fa"],
  ["GET", "/agents"],
  ["GET", "/agents/children"],
  ["POST", "/agents/children"],
  ["GET", "/agents/:id"],
  ["DELETE", "/agents/:id"],
  ["PUT", "/agents/children/:id/permissions"],
  ["DELETE", "/agents/children/:id"],
  ["POST", "/agents/children/:id/assets/provision/email"],
  ["POST", "/agents/children/:id/assets/provision/wallet"],
  ["GET", "/wallets"],
  ["GET", "/wallets/email_accounts"],
  ["GET", "/wallets/email_accounts/"],
  ["POST", "/wallets/email_accounts"],
  ["POST", "/wallets/email_accounts/"],
  ["GET", "/wallets/email_accounts/:id"],
  ["PUT", "/wallets/email_accounts/:id"],
  ["DELETE", "/wallets/email_accounts/:id"],
  ["POST", "/wallets/email_accounts/:id/refresh"],
  ["GET", "/identity/dids/:id"],
  ["POST", "/identity/credentials/issue"],
  ["POST", "/identity/credentials/verify"],
].map(([method, path]) => ({ method, path }));

/** Why a raw path is refused, or null when it is safe to forward. */
export function unsafePath(rawPath: string): string | null {
  // Every refusal below needs a "%", a ".", a backslash or "//": most paths have none.
  if (!/[%.\\]|\/\//.test(rawPath)) return null;
  if (rawPath.includes("//")) return "double slashes are not allowed";
  if (/%2f|%5c|%2e|%00/i.test(rawPath) || rawPath.includes("\\")) {
    return "encoded slashes, backslashes and dots are not allowed";
  }
  if (/(?:^|\/)\.\.?(?:\/|$)/.test(rawPath)) {
    return "path traversal is not allowed";
  }
  return null;
}

/** Compiles rules into a matcher; `/_emulator` paths never match, whatever the rules say. */
export function routeMatcher(
  rules: readonly RouteRule[],
): (method: string, path: string) => boolean {
  // Paths without parameters are looked up in a set; the others are tried per method.
  const exact = new Set<string>();
  const patterns = new Map<string, RegExp[]>();
  for (const rule of rules) {
    const method = rule.method.toUpperCase();
    if (!rule.path.includes(":")) {
      exact.add(`${method} ${rule.path}`);
      continue;
    }
    const source = rule.path.split("/")
      .map((s) => (s.startsWith(":") ? "[^/]+" : s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    patterns.set(method, [...(patterns.get(method) ?? []), new RegExp(`^${source}$`)]);
  }
  return (method, path) =>
    !path.startsWith("/_emulator") &&
    (exact.has(`${method} ${path}`) || (patterns.get(method) ?? []).some((r) => r.test(path)));
}
