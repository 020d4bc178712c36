// The WASM engine (run here in Node from the site's own files) and the native
// engine (`mcdewey search`, the code /mcp runs) rank the same ids.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { buildSite, mcdeweyBin } from "./helpers.mjs";

const QUERIES = [
  "recording server unreachable", "START_RECORDING", "targetMediaAddress", "target media address",
  "E0729", "RG-1042", "TLS1.3", "12.5(1)", "\"page markers\"", "supervisor", "recor", "chunk ids",
  "base path github pages", "mcp endpoint tools", "configuraton", "install",
  "agent cannot record a call", "how do I publish the library on an intranet",
  "Retry-After header", "503 service unavailable",
  // Queries that name a product (by id, display name and alias).
  "relay gateway recording failover", "mcdewey page markers", "RGW recording server",
  "4.2 recording", "relay 4.2 recording server",
];

test("native and WASM rank the same ids", async () => {
  const site = buildSite();
  const glue = await import(pathToFileURL(join(site, "_static/engine/mcdewey_search_wasm.js")).href);
  glue.initSync({ module: readFileSync(join(site, "_static/engine/mcdewey_search_wasm_bg.wasm")) });
  const dir = join(site, "_search");
  const engine = new glue.Engine(readFileSync(join(dir, "manifest.bin")));
  for (const q of QUERIES) {
    for (const prefix of [false, true]) {
      // The server holds every file, semantic ones included: the plan of a
      // query with semantic on names those too, then the hits' fragments.
      const query = new glue.Query(q, prefix, 10, true);
      for (let need = engine.plan(query); need.length; need = engine.plan(query)) {
        need.forEach((p) => engine.add_file(p, readFileSync(join(dir, p))));
      }
      const res = JSON.parse(engine.results(query));
      query.free();
      const wasmIds = res.hits.map((h) => h.id);
      const args = ["search", site, q, "--json", "-n", "10"].concat(prefix ? ["--prefix"] : []);
      const native = JSON.parse(execFileSync(mcdeweyBin(), args, { encoding: "utf8" }));
      assert.deepEqual(wasmIds, native.hits.map((h) => h.id), `query ${q} prefix=${prefix}`);
      // The same passage in other versions: the same versions listed with each hit.
      const wasmAlso = res.hits.map((h) => h.also.map((a) => a.version));
      const nativeAlso = native.hits.map((h) => h.also.map((id) => id.split("::")[1]));
      assert.deepEqual(wasmAlso, nativeAlso, `same text in other versions for ${q}`);
      assert.equal(res.total, native.total, `total for ${q}`);
    }
  }
});
