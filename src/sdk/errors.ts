/**
 * The one error hierarchy of the SDK. Every error thrown by public code is a
 * {@linkcode CirtusAIError}; messages never contain a password, token, secret or code.
 *
 * ```
 * CirtusAIError
 * ├── InvalidArgumentError            bad input caught before any request (names the field)
 * ├── APIConnectionError              the server could not be reached
 * │   ├── APIConnectionTimeoutError   an attempt ran out of time
 * │   └── APIUserAbortError           the caller's signal aborted the call (or the client closed)
 * ├── ResponseValidationError         the server answered, but not with the documented shape
 * └── APIError                        the server answered with an error status
 *     ├── BadRequestError             400
 *     ├── AuthenticationError         401
 *     │   └── TwoFactorAuthenticationError  a 4xx but 429 from the 2FA verification step
 *     ├── PermissionDeniedError       403
 *     ├── NotFoundError               404
 *     ├── ConflictError               409
 *     ├── UnprocessableEntityError    422
 *     ├── RateLimitError              429
 *     └── InternalServerError         >= 500
 * ```
 *
 * @module
 */

/**
 * Base class of every error the SDK throws.
 *
 * @example
 * ```ts
 * import { CirtusAIClient, CirtusAIError } from "@cirtusai/sdk";
 * const client = new CirtusAIClient("http://localhost:8000");
 * try {
 *   await client.agents.listAgents();
 * } catch (err) {
 *   if (err instanceof CirtusAIError) console.error(err.message);
 * }
 * ```
 */
export class CirtusAIError extends Error {
  /** Creates the error; `cause` is kept for debugging. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Input rejected before anything was sent: names the offending field.
 *
 * @example
 * ```ts
 * import { InvalidArgumentError } from "@cirtusai/sdk";
 * const err = new InvalidArgumentError("email", "email is not a plausible address");
 * console.log(err.field); // "email"
 * ```
 */
export class InvalidArgumentError extends CirtusAIError {
  /** The argument or field that was rejected. */
  readonly field: string;
  /** Creates the error for `field`. */
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/**
 * The server could not be reached (DNS, refused connection, reset, aborted by the caller).
 *
 * @example
 * ```ts
 * import { APIConnectionError } from "@cirtusai/sdk";
 * const err = new APIConnectionError("GET", "/agents", { cause: new TypeError("fetch failed") });
 * console.log(err.message); // "GET /agents: connection failed (fetch failed)"
 * ```
 */
export class APIConnectionError extends CirtusAIError {
  /** HTTP method of the failed call. */
  readonly method: string;
  /** Path of the failed call (no query string, no host). */
  readonly path: string;
  /** Creates the error; the cause's message is included, never request data. */
  constructor(
    method: string,
    path: string,
    options?: { cause?: unknown; message?: string },
  ) {
    const reason = options?.cause instanceof Error ? ` (${options.cause.message})` : "";
    super(options?.message ?? `${method} ${path}: connection failed${reason}`, options);
    this.method = method;
    this.path = path;
  }
}

/**
 * One attempt took longer than the client's `timeout`.
 *
 * @example
 * ```ts
 * import { APIConnectionTimeoutError } from "@cirtusai/sdk";
 * const err = new APIConnectionTimeoutError("GET", "/agents", 30_000);
 * console.log(err.message); // "GET /agents: timed out after 30000 ms"
 * ```
 */
export class APIConnectionTimeoutError extends APIConnectionError {
  /** The per-attempt timeout that elapsed, in milliseconds. */
  readonly timeout: number;
  /** Creates the error. */
  constructor(method: string, path: string, timeout: number) {
    super(method, path, { message: `${method} ${path}: timed out after ${timeout} ms` });
    this.timeout = timeout;
  }
}

/**
 * The caller's `signal` aborted the call, or the client was closed.
 *
 * @example
 * ```ts
 * import { APIUserAbortError } from "@cirtusai/sdk";
 * const err = new APIUserAbortError("GET", "/agents");
 * console.log(err.message); // "GET /agents: aborted by the caller"
 * ```
 */
export class APIUserAbortError extends APIConnectionError {
  /** Creates the error; `cause` is the signal's reason. */
  constructor(method: string, path: string, options?: { cause?: unknown; message?: string }) {
    super(method, path, {
      ...options,
      message: options?.message ?? `${method} ${path}: aborted by the caller`,
    });
  }
}

// Fields whose values are never shown: tokens, secrets, passwords, codes, keys, credentials
// (and the otpauth URI and QR image, which hold the secret: both are "qr_code_*").
const SECRET_FIELD = /token|secret|password|code|key|otp|credential/i;
const EXCERPT_CHARS = 200;

/**
 * A short excerpt of a response body with every secret-looking value replaced by `[redacted]`:
 * what an error may keep of an answer it refused.
 *
 * @example
 * ```ts
 * import { redactedExcerpt } from "@cirtusai/sdk";
 * redactedExcerpt({ access_token: "eyJ...", token_type: "bearer" });
 * // '{"access_token":"[redacted]","token_type":"bearer"}'
 * ```
 */
export function redactedExcerpt(body: unknown): string {
  let text = typeof body === "string"
    ? body
    : JSON.stringify(body, (k, v) => (k && SECRET_FIELD.test(k) ? "[redacted]" : v)) ?? "";
  if (typeof body === "string") {
    // Text that is not JSON may still be JSON cut short: hide quoted values of secret-looking
    // fields, and any long token-like run.
    text = text.replace(
      /("[^"]*(?:token|secret|password|code|key|otp|credential)[^"]*"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}\]]*)/gi,
      '$1"[redacted]"',
    ).replace(/[\w.~+/=-]{24,}/g, "[redacted]");
  }
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

/**
 * The server answered with a success status but the body was not valid JSON, was too large, or
 * lacked a documented field. Names the field; keeps only a short, redacted excerpt of the body
 * (no token, secret or code of the refused answer reaches a log through it).
 *
 * @example
 * ```ts
 * import { ResponseValidationError } from "@cirtusai/sdk";
 * const err = new ResponseValidationError("access_token", "is missing", {
 *   body: { refresh_token: "rt-secret" },
 * });
 * console.log(err.field, err.body); // "access_token" '{"refresh_token":"[redacted]"}'
 * ```
 */
export class ResponseValidationError extends CirtusAIError {
  /** Dotted path of the bad field (`"assets[0].id"`), or `"(body)"` for unparsable JSON. */
  readonly field: string;
  /** At most 200 characters of the body, secret-looking values replaced by `[redacted]`. */
  readonly body: string;
  /** Creates the error; `problem` reads after the field name ("is missing"). */
  constructor(field: string, problem: string, options: { body: unknown; context?: string }) {
    const where = options.context ? `${options.context}: ` : "";
    super(`${where}response field "${field}" ${problem}`);
    this.field = field;
    this.body = redactedExcerpt(options.body);
  }
}

/** What the server said about one invalid field (FastAPI's 422 detail entries). */
export interface ValidationIssue {
  /** Where the problem is, e.g. `["body", "email"]`. */
  loc: (string | number)[];
  /** Human-readable message. */
  msg: string;
  /** Machine-readable type, e.g. `"value_error"`. */
  type: string;
}

/** Fields every {@linkcode APIError} is built from. */
export interface APIErrorInit {
  /** HTTP status. */
  status: number;
  /** The parsed body (or its text when it was not JSON). */
  body: unknown;
  /** Response headers. */
  headers: Headers;
  /** Request method. */
  method: string;
  /** Request path (no query string, no host). */
  path: string;
}

/**
 * The server answered with an error status. Subclasses name the status family.
 *
 * @example
 * ```ts
 * import { APIError, NotFoundError } from "@cirtusai/sdk";
 * const err = APIError.from({
 *   status: 404, body: { detail: "Agent not found" }, headers: new Headers(),
 *   method: "GET", path: "/agents/a1",
 * });
 * console.log(err instanceof NotFoundError, err.detail); // true "Agent not found"
 * ```
 */
export class APIError extends CirtusAIError {
  /** HTTP status. */
  readonly status: number;
  /** The server's `detail`: a message, FastAPI's list of issues, or null when absent. */
  readonly detail: string | ValidationIssue[] | null;
  /** The parsed body (or its text when it was not JSON). */
  readonly body: unknown;
  /** Response headers. */
  readonly headers: Headers;
  /** Request method. */
  readonly method: string;
  /** Request path (no query string, no host). */
  readonly path: string;

  /** Creates the error; prefer {@linkcode APIError.from} which picks the subclass. */
  constructor(init: APIErrorInit) {
    const detail = detailOf(init.body);
    super(`${init.method} ${init.path} failed with ${init.status}: ${describe(detail)}`);
    this.status = init.status;
    this.detail = detail;
    this.body = init.body;
    this.headers = init.headers;
    this.method = init.method;
    this.path = init.path;
  }

  /** Builds the subclass that matches `init.status`. */
  static from(init: APIErrorInit): APIError {
    const s = init.status;
    if (s === 400) return new BadRequestError(init);
    if (s === 401) return new AuthenticationError(init);
    if (s === 403) return new PermissionDeniedError(init);
    if (s === 404) return new NotFoundError(init);
    if (s === 409) return new ConflictError(init);
    if (s === 422) return new UnprocessableEntityError(init);
    if (s === 429) return new RateLimitError(init);
    if (s >= 500) return new InternalServerError(init);
    return new APIError(init);
  }
}

/** 400: the server refused the request as malformed or not allowed in this state. */
export class BadRequestError extends APIError {}
/** 401: missing, expired or invalid credentials. */
export class AuthenticationError extends APIError {}
/**
 * Any 4xx from the 2FA verification step (`/auth/verify-2fa`): wrong, replayed or expired code,
 * or an expired temporary token.
 */
export class TwoFactorAuthenticationError extends AuthenticationError {}
/** 403: authenticated, but not allowed. */
export class PermissionDeniedError extends APIError {}
/** 404: no such resource (or not yours). */
export class NotFoundError extends APIError {}
/** 409: conflicts with the current state. */
export class ConflictError extends APIError {}
/** 422: the body failed validation; {@linkcode UnprocessableEntityError.issues} lists why. */
export class UnprocessableEntityError extends APIError {
  /** FastAPI's list of validation issues (empty when the server sent a plain message). */
  get issues(): ValidationIssue[] {
    return Array.isArray(this.detail) ? this.detail : [];
  }
}
/** 429: too many requests; {@linkcode RateLimitError.retryAfter} says how long to wait. */
export class RateLimitError extends APIError {
  /** Seconds to wait, from `Retry-After`, or null when the server did not say. */
  get retryAfter(): number | null {
    const ms = parseRetryAfter(this.headers.get("retry-after"), Date.now());
    return ms === null ? null : Math.ceil(ms / 1000);
  }
}
/** 5xx: the server failed. */
export class InternalServerError extends APIError {}

/**
 * Parses `Retry-After` (delta-seconds or an HTTP date) into milliseconds from `now`.
 * Returns null when absent or unparsable.
 *
 * @example
 * ```ts
 * import { parseRetryAfter } from "@cirtusai/sdk";
 * parseRetryAfter("120", Date.now()); // 120000
 * parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("2015-10-21T07:27:00Z")); // 60000
 * parseRetryAfter("soon", Date.now()); // null
 * ```
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function detailOf(body: unknown): string | ValidationIssue[] | null {
  if (typeof body === "object" && body !== null && "detail" in body) {
    const d = (body as { detail: unknown }).detail;
    if (typeof d === "string") return d;
    if (Array.isArray(d)) {
      return d.map((item) => ({
        loc: Array.isArray(item?.loc) ? item.loc : [],
        msg: typeof item?.msg === "string" ? item.msg : String(item?.msg ?? ""),
        type: typeof item?.type === "string" ? item.type : "",
      }));
    }
  }
  if (typeof body === "string" && body.length > 0 && body.length <= 200) return body;
  return null;
}

function describe(detail: string | ValidationIssue[] | null): string {
  if (detail === null) return "no detail";
  if (typeof detail === "string") return detail;
  return detail.map((i) => `${i.loc.join(".")}: ${i.msg}`).join("; ");
}

// Names spelled out: a minifier renames classes, so `constructor.name` would not survive bundling.
for (
  const [cls, name] of [
    [CirtusAIError, "CirtusAIError"],
    [InvalidArgumentError, "InvalidArgumentError"],
    [APIConnectionError, "APIConnectionError"],
    [APIConnectionTimeoutError, "APIConnectionTimeoutError"],
    [APIUserAbortError, "APIUserAbortError"],
    [ResponseValidationError, "ResponseValidationError"],
    [APIError, "APIError"],
    [BadRequestError, "BadRequestError"],
    [AuthenticationError, "AuthenticationError"],
    [TwoFactorAuthenticationError, "TwoFactorAuthenticationError"],
    [PermissionDeniedError, "PermissionDeniedError"],
    [NotFoundError, "NotFoundError"],
    [ConflictError, "ConflictError"],
    [UnprocessableEntityError, "UnprocessableEntityError"],
    [RateLimitError, "RateLimitError"],
    [InternalServerError, "InternalServerError"],
  ] as const
) Object.defineProperty(cls.prototype, "name", { value: name, configurable: true, writable: true });
