/**
 * The package's version (kept equal to deno.json's by a test), for `cirtusai --version` on every
 * runtime without reading deno.json at run time.
 *
 * @module
 */

/** The version of `@cirtusai/sdk`. */
export const VERSION = "0.1.0";
