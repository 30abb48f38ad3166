/**
 * Secrets in stored configuration (e-mail accounts' `config`) come back masked, in the API's
 * answers and in the emulator's UI.
 *
 * @module
 */

/** Keys whose values are secret, at any depth. */
const SECRET_KEY = /pass|pwd|secret|token|key|credential|authorization|cookie/i;
const MASK = "********";

/** Every value under a secret key, at any depth, masked; arrays and objects keep their shape. */
function maskAll(value: unknown): unknown {
  if (value === null) return null;
  if (Array.isArray(value)) return value.map(maskAll);
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v)]));
  }
  return MASK;
}

/**
 * `value` with every value held under a secret key (`password`, `api_key`, `oauth_token`, ...)
 * masked, at any depth, whether it is a string, a number, or an array or object of them.

 * `{ imap: { host: "mail", password: ["hunter2"] } }` gives
 * `{ imap: { host: "mail", password: ["********"] } }`.
 */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? maskAll(v) : maskSecrets(v)]),
  );
}
