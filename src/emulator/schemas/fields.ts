/**
 * The request fields of the emulator's routes, each stated once: its bounds, pattern and trimming
 * are what the request validation enforces and what `/openapi.json` documents. Lengths count code
 * points, as JSON Schema and Python do, never UTF-16 units. Patterns spell white space and control
 * characters out, so that they mean the same to every regex dialect (Python's `\s` is wider than
 * JavaScript's).
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import { codePointLength, MAX_EMAIL_LENGTH } from "../../sdk/arguments.ts";
import { MAX_ID_LENGTH } from "../problem.ts";
import { SUPPORTED_CHAINS } from "../../sdk/chains.ts";

/** White space as `String.prototype.trim` removes it (ECMAScript WhiteSpace and LineTerminator). */
const WHITE_SPACE =
  "\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff";
/** Something besides white space (unanchored: anywhere in the value). */
const NOT_BLANK = new RegExp(`[^${WHITE_SPACE}]`, "u");
/** No white space, no C0 or C1 control character, no DEL and no "@" (so a username is never an e-mail). */
const USERNAME =
  // deno-lint-ignore no-control-regex
  /^[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@]+$/u;
// RFC 5321 §4.1.2 Mailbox with a dot-string local part and a domain of at least two labels: what
// `format: email` admits, without quoted strings and address literals, and with a dot in the
// domain (`0@com` is refused). No ":" can appear: the address names the account in the otpauth URI.
const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-";
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
const EMAIL = new RegExp(`^[${ATEXT}]+(?:\\.[${ATEXT}]+)*@${LABEL}(?:\\.${LABEL})+$`, "u");

/**
 * Whether `value` has `min` to `max` code points. Linear, and decided without counting when the
 * UTF-16 length alone settles it (a code point is one or two units).
 */
function hasCodePoints(value: string, min: number, max: number): boolean {
  if (value.length < min || value.length > 2 * max) return false;
  if (value.length <= max && value.length >= 2 * min) return true;
  const n = codePointLength(value);
  return n >= min && n <= max;
}

interface TextRule {
  /** Fewest code points; default 0. */
  min?: number;
  /** Most code points. */
  max: number;
  /** A pattern the value must match (with the `u` flag; documented as its source). */
  pattern?: RegExp;
  /** Remove leading and trailing white space once the value has passed its checks. */
  trim?: boolean;
  /** The 422 message when any rule is broken. */
  message: string;
  /** The documented meaning. */
  description?: string;
  /** JSON Schema `format`. */
  format?: string;
}

/**
 * A string held to `rule`: the length first (so the pattern never sees an over-long value), then the
 * pattern; both checks and the document come from the same numbers.
 */
function text(rule: TextRule): z.ZodString {
  const min = rule.min ?? 0;
  let schema = z.string().check(
    z.refine((v: string) => hasCodePoints(v, min, rule.max), {
      message: rule.message,
      abort: true,
    }),
  );
  if (rule.pattern) {
    const pattern = rule.pattern;
    schema = schema.check(z.refine((v: string) => pattern.test(v), { message: rule.message }));
  }
  if (rule.trim) schema = schema.trim();
  const trimmed = rule.trim
    ? "Leading and trailing white space is removed once the value is accepted."
    : undefined;
  return schema.openapi({
    ...(min > 0 ? { minLength: min } : {}),
    maxLength: rule.max,
    ...(rule.pattern ? { pattern: rule.pattern.source } : {}),
    ...(rule.format ? { format: rule.format } : {}),
    ...(rule.description || trimmed
      ? { description: [rule.description, trimmed].filter(Boolean).join(" ") }
      : {}),
  });
}

/** A name (agent, e-mail account provider...): 1 to 256 code points, not all white space; stored trimmed. */
export function name(field: string): z.ZodString {
  return text({
    min: 1,
    max: 256,
    pattern: NOT_BLANK,
    trim: true,
    message: `${field} must be 1 to 256 characters`,
  });
}

/** An id or DID in a body (`parent_id`, `subject_id`): at most 256 code points. */
export function bodyId(field: string, description: string): z.ZodString {
  return text({
    max: MAX_ID_LENGTH,
    message: `${field} must be at most ${MAX_ID_LENGTH} characters`,
    description,
  });
}

/**
 * The `{id}` path parameter: an id or a DID, at most 256 code points. A longer one is a 404 naming
 * `what`, as a missing one is (docs/API.md: looked up never).
 */
export function idParams(what: string): z.ZodObject<{ id: z.ZodString }> {
  return z.object({
    id: text({
      max: MAX_ID_LENGTH,
      message: `${what} not found`,
      description:
        `The ${what.toLowerCase()}'s id or DID (did:key:z6Mk...), at most ${MAX_ID_LENGTH} characters (404 beyond)`,
    }).openapi({
      param: { name: "id", in: "path" },
      example: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    }),
  });
}

/** The registration's username. */
export const username: z.ZodString = text({
  min: 1,
  max: 64,
  pattern: USERNAME,
  message: 'Username must be 1 to 64 characters without spaces, control characters or "@"',
  description: 'Case-insensitively unique; never an e-mail (no "@").',
});

/** The registration's e-mail address. */
export const email: z.ZodString = text({
  max: MAX_EMAIL_LENGTH,
  pattern: EMAIL,
  format: "email",
  message:
    `value is not a valid email address (name@domain.tld, at most ${MAX_EMAIL_LENGTH} characters)`,
  description: "Case-insensitively unique.",
});

/** The longest password accepted. */
const MAX_PASSWORD_LENGTH = 1024;

/** A password of `min` (the emulator's `minPasswordLength`) to 1024 code points. */
export function password(min: number): z.ZodString {
  return text({
    min,
    max: MAX_PASSWORD_LENGTH,
    message: `Password must be ${min} to ${MAX_PASSWORD_LENGTH} characters`,
  });
}

/** A JSON object of any shape (permissions, configs, claims); nested at most 32 deep. */
export const jsonObject: z.ZodRecord<z.ZodString, z.ZodUnknown> = z.record(z.string(), z.unknown())
  .openapi({ description: "Any JSON object, nested at most 32 levels deep." });

/** A wallet's chain, in the query or a JSON body. */
export const chain: z.ZodEnum<{ [K in typeof SUPPORTED_CHAINS[number]]: K }> = z.enum(
  SUPPORTED_CHAINS,
  { error: `Unsupported chain; supported chains: ${SUPPORTED_CHAINS.join(", ")}` },
);
