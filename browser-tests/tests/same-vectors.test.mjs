// The WASM engine (run here in Node from the site's own files) and the native
// engine (`mcdewey search --embedding`) embed a query into the same floats,
// bit for bit: semantic ranking cannot drift between the browser and /mcp.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { buildSite, mcdeweyBin } from "./helpers.mjs";

const QUERIES = [
  // plain English
  "recording server unreachable", "agent cannot record a call", "how do I publish the library on an intranet",
  "install", "the", "chunk ids", "base path github pages",
  // identifiers, versions, codes
  "START_RECORDING", "targetMediaAddress", "target media address", "E0729", "RG-1042", "TLS1.3", "12.5(1)",
  "configuraton", "recor",
  // phrases and punctuation
  "\"page markers\" chunking", "mcp: endpoint, tools!", "C++ / C#?", "(a) [b] {c} <d>", "--help", "a.b.c_d-e",
  // unicode: accents, CJK, emoji, right-to-left
  "café über naïve", "Ｆｕｌｌｗｉｄｔｈ ＩＤＥ", "検索エンジン 文書", "日本語のページ", "📄 page 🔍", "مرحبا بالعالم",
  // nothing to embed
  "", "   ", "?!…", "zzqxj",
  // very long text: many WordPieces summed
  "how the server records calls when the agent is busy and the network is slow ".repeat(60),
];

function loadUntilDone(engine, dir, plan) {
  for (let need = plan(); need.length; need = plan()) {
    need.forEach((p) => engine.add_file(p, readFileSync(join(dir, p))));
  }
}

// Every embedded model; the first query's vector shows the config took effect.
const MODELS = ["minilm-regress-128", "minilm-retrieval-128", "minilm-context-128", "minilm-static-128", "wordllama-l2-128"];
const firstVectors = new Map();

for (const model of MODELS) test(`native and WASM embed queries into the same bits (${model})`, async () => {
  const site = buildSite(undefined, `[search]\nmodel = "${model}"\n`);
  const glue = await import(pathToFileURL(join(site, "_static/engine/mcdewey_search_wasm.js")).href);
  glue.initSync({ module: readFileSync(join(site, "_static/engine/mcdewey_search_wasm_bg.wasm")) });
  const dir = join(site, "_search");
  const engine = new glue.Engine(readFileSync(join(dir, "manifest.bin")));
  assert.ok(engine.has_semantic(), "the sample site is built with the embedding model");
  // Every token shard and the vocabulary up front: a query of code words
  // alone (`E0729`) is ranked lexically, so its plan names none of them,
  // yet its embedding must still agree with the native one.
  for (const f of readdirSync(join(dir, "e"))) engine.add_file("e/" + f, readFileSync(join(dir, "e", f)));
  let embedded = 0;
  for (const q of QUERIES) {
    // The plan of a semantic query names its lexical files and the vector
    // partitions (not needed for the embedding, loaded as the worker does).
    const query = new glue.Query(q, false, 10, true);
    loadUntilDone(engine, dir, () => engine.plan(query));
    const wasm = engine.query_embedding(query);
    query.free();
    // `--` so queries such as "--help" stay queries.
    const out = execFileSync(mcdeweyBin(), ["search", "--embedding", site, "--", q], { encoding: "utf8" });
    const native = JSON.parse(out).embedding;
    if (q === QUERIES[0]) firstVectors.set(model, JSON.stringify(native));
    const label = JSON.stringify(q.length > 60 ? q.slice(0, 60) + "…" : q);
    if (native === null) {
      assert.equal(wasm, undefined, `${label}: native has no embedding, WASM has one`);
      continue;
    }
    assert.ok(wasm instanceof Float32Array, `${label}: native has an embedding, WASM has none`);
    assert.equal(wasm.length, native.length, `${label}: dimensions`);
    const bits = new Uint32Array(wasm.buffer, wasm.byteOffset, wasm.length);
    for (let i = 0; i < bits.length; i++) {
      if (bits[i] !== native[i]) {
        assert.fail(`${label}: component ${i} differs: WASM ${wasm[i]} (0x${bits[i].toString(16)}), ` +
          `native 0x${native[i].toString(16)}`);
      }
    }
    embedded++;
  }
  // Guard against a vacuous pass (e.g. both sides always "no embedding").
  assert.ok(embedded >= QUERIES.length - 6, `only ${embedded} of ${QUERIES.length} queries had an embedding`);
  if (firstVectors.size === MODELS.length) {
    assert.equal(new Set(firstVectors.values()).size, MODELS.length, "two models embed alike");
  }
});
