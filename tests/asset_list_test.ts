// Issue 26: AssetList.assets is typed as the parser returns it: a list, absent, or null as sent.
import assert from "node:assert/strict";
import type { AssetList } from "../mod.ts";
import { parseAssetList } from "../src/sdk/parse.ts";

Deno.test("AssetList.assets: null as the server sent it, and typed so", () => {
  const parsed: AssetList = parseAssetList({ assets: null }, "list_assets");
  assert.equal(parsed.assets, null);
  // This line type-checks only while the type admits what the parser returns.
  const sent: AssetList["assets"] = null;
  assert.equal(parsed.assets, sent);
  assert.deepEqual(parseAssetList({}, "list_assets"), {});
  assert.deepEqual(parseAssetList(["a"], "list_assets"), { assets: ["a"] });
});
