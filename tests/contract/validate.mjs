// Validates values against schemas of an OpenAPI 3.1 document with Ajv (JSON Schema 2020-12, the
// dialect OpenAPI 3.1 uses, and ajv-formats for `format`). Reads {document, items: [{pointer,
// value}]} from stdin (a pointer is a JSON pointer into the document, e.g.
// "/components/schemas/Token"); prints one {valid, errors} per item.
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const input = await stdin();
const { document, items } = JSON.parse(input);
// strict: false, because OpenAPI adds keywords of its own (example, discriminator...) to schemas.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(document, "openapi.json");
const results = items.map(({ pointer, value }) => {
  const fragment = pointer.split("/").map(encodeURIComponent).join("/");
  const validate = ajv.getSchema(`openapi.json#${fragment}`);
  if (!validate) return { valid: false, errors: [`no schema at ${pointer}`] };
  const valid = validate(value);
  return {
    valid,
    errors: (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`),
  };
});
console.log(JSON.stringify(results));

/** All of stdin as text (joined as bytes first: a chunk may end inside a UTF-8 sequence). */
async function stdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
