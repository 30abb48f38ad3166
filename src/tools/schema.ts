/**
 * The subset of JSON Schema (2020-12) that the agent tools' inputs use, and a validator for it,
 * so that a tool refuses bad input with the schema's own rule before anything is sent. Agent
 * frameworks and MCP clients get the same schemas as plain JSON; nothing here is a dependency.
 *
 * @module
 */

/** A JSON Schema, limited to the keywords the tools use. */
export interface JsonSchema {
  /** The JSON type. */
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  /** What the value means, for the model. */
  description?: string;
  /** An object's properties. */
  properties?: Record<string, JsonSchema>;
  /** An object's required properties. */
  required?: readonly string[];
  /** Whether an object may have properties besides `properties`. */
  additionalProperties?: boolean;
  /** The schema of an array's items. */
  items?: JsonSchema;
  /** The allowed values. */
  enum?: readonly string[];
  /** The value a tool uses when the property is left out (documentation; not filled in). */
  default?: string;
  /** Bounds of a string's length, in characters. */
  minLength?: number;
  /** Bounds of a string's length, in characters. */
  maxLength?: number;
  /** Bounds of an array's length. */
  minItems?: number;
  /** Bounds of an array's length. */
  maxItems?: number;
  /** The value matches at least one of these. */
  anyOf?: readonly JsonSchema[];
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function hasType(value: unknown, type: NonNullable<JsonSchema["type"]>): boolean {
  switch (type) {
    case "object":
      return typeOf(value) === "object";
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * The first way `value` breaks `schema`, as a sentence naming the property (`"name must be a
 * string (got number)"`), or null when it conforms.
 *
 * @example
 * ```ts
 * import { schemaError } from "@cirtusai/sdk/tools";
 * const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"] } as const;
 * schemaError(schema, {}); // 'input: missing required property "name"'
 * schemaError(schema, { name: "scout" }); // null
 * ```
 */
export function schemaError(schema: JsonSchema, value: unknown): string | null {
  return check(schema, value, "");
}

/** `at` is where the value is: "" for the input itself, then `claim.x`, `types[0]`. */
function check(schema: JsonSchema, value: unknown, at: string): string | null {
  const path = at || "input";
  if (schema.anyOf) {
    const errors = schema.anyOf.map((s) => check(s, value, at));
    if (!errors.includes(null)) {
      return `${path} must be ${schema.anyOf.map((s) => describe(s)).join(" or ")} (got ${
        typeOf(value)
      })`;
    }
  }
  if (schema.type && !hasType(value, schema.type)) {
    return `${path} must be ${describe(schema)} (got ${typeOf(value)})`;
  }
  if (typeof value === "string") {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) {
      return schema.minLength === 1
        ? `${path} must not be empty`
        : `${path} must be at least ${plural(schema.minLength, "character")} long`;
    }
    if (schema.maxLength !== undefined && length > schema.maxLength) {
      return `${path} must be at most ${
        plural(schema.maxLength, "character")
      } long (got ${length})`;
    }
    if (schema.enum && !schema.enum.includes(value)) {
      return `${path} must be one of ${schema.enum.join(", ")} (got ${JSON.stringify(value)})`;
    }
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      return `${path} must have at least ${plural(schema.minItems, "item")}`;
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      return `${path} must have at most ${plural(schema.maxItems, "item")} (got ${value.length})`;
    }
    if (schema.items) {
      for (let i = 0; i < value.length; i++) {
        const error = check(schema.items, value[i], `${path}[${i}]`);
        if (error) return error;
      }
    }
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    const properties = schema.properties ?? {};
    for (const name of schema.required ?? []) {
      if (!Object.hasOwn(object, name)) return `${path}: missing required property "${name}"`;
    }
    for (const [name, item] of Object.entries(object)) {
      if (Object.hasOwn(properties, name)) {
        const error = check(properties[name], item, at ? `${at}.${name}` : name);
        if (error) return error;
      } else if (schema.additionalProperties === false) {
        const allowed = Object.keys(properties);
        return `${path}: unexpected property "${name}" (${
          allowed.length ? `allowed: ${allowed.join(", ")}` : "this tool takes no arguments"
        })`;
      }
    }
  }
  return null;
}

/** "a string", "an object", "a non-empty array of strings"... for messages. */
function describe(schema: JsonSchema): string {
  switch (schema.type) {
    case undefined:
      return "a value";
    case "object":
      return "an object";
    case "array":
      return schema.items?.type ? `an array of ${schema.items.type}s` : "an array";
    case "integer":
      return "an integer";
    default:
      return `a ${schema.type}`;
  }
}
