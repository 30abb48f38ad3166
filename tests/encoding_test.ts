// The SDK core's small codecs agree with the audited @scure/base on random and edge-case input.
import assert from "node:assert/strict";
import { base32nopad, base58, base64urlnopad } from "@scure/base";
import {
  base32Decode,
  base32Encode,
  base58Decode,
  base58Encode,
  base64urlDecode,
  base64urlEncode,
} from "../src/sdk/encoding.ts";

function samples(): Uint8Array[] {
  const out: Uint8Array[] = [
    new Uint8Array(),
    new Uint8Array([0]),
    new Uint8Array([0, 0, 1]),
    new Uint8Array(34).fill(255),
  ];
  for (let n = 0; n < 300; n++) {
    const bytes = crypto.getRandomValues(new Uint8Array(n % 70));
    if (n % 7 === 0 && bytes.length > 2) bytes[0] = bytes[1] = 0; // leading zeros matter to base58
    out.push(bytes);
  }
  return out;
}

Deno.test("base32 matches @scure/base both ways", () => {
  for (const bytes of samples()) {
    const text = base32nopad.encode(bytes);
    assert.equal(base32Encode(bytes), text);
    assert.deepEqual(base32Decode(text), bytes);
  }
});

Deno.test("base58 matches @scure/base both ways; foreign characters are refused", () => {
  for (const bytes of samples()) {
    const text = base58.encode(bytes);
    assert.equal(base58Encode(bytes), text);
    assert.deepEqual(base58Decode(text), bytes);
  }
  for (const bad of ["0", "O", "I", "l", "abc!"]) assert.equal(base58Decode(bad), null);
});

Deno.test("base64url matches @scure/base both ways; malformed input is refused", () => {
  for (const bytes of samples()) {
    const text = base64urlnopad.encode(bytes);
    assert.equal(base64urlEncode(bytes), text);
    assert.deepEqual(base64urlDecode(text), bytes);
  }
  for (const bad of ["a+b", "a/b", "abcde", "ab$c"]) assert.equal(base64urlDecode(bad), null);
});

Deno.test("src/sdk/version.ts says deno.json's version", async () => {
  const { VERSION } = await import("../src/sdk/version.ts");
  const meta = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.equal(VERSION, meta.version);
});
