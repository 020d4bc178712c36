// Search worker: loads the WASM engine and the index files a query needs, so
// typing never waits on the main thread. Files are fetched once and kept.
import init, { Engine } from "./engine/mcdewey_search_wasm.js";

let base = null; // absolute URL of the site root
let enginePromise = null;
let engine = null;
const loaded = new Set();
const pending = new Map();
let latest = 0;

class Cancelled extends Error {}

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(url + ": HTTP " + r.status);
  return new Uint8Array(await r.arrayBuffer());
}

function indexUrl(path) {
  return new URL("_search/" + path, base).href;
}

function ensureEngine() {
  if (!enginePromise) {
    enginePromise = Promise.all([
      init({ module_or_path: new URL("_static/engine/mcdewey_search_wasm_bg.wasm", base) }),
      fetchBytes(indexUrl("manifest.bin")),
    ]).then(([, manifest]) => {
      engine = new Engine(manifest);
      loaded.add("manifest.bin");
    });
    enginePromise.catch(() => { enginePromise = null; });
  }
  return enginePromise;
}

// Fetches every missing file in parallel: one round trip per call.
function load(paths) {
  return Promise.all(paths.map((p) => {
    if (loaded.has(p)) return null;
    if (!pending.has(p)) {
      pending.set(p, fetchBytes(indexUrl(p)).then((bytes) => {
        if (!loaded.has(p)) {
          engine.add_file(p, bytes);
          loaded.add(p);
        }
      }).finally(() => pending.delete(p)));
    }
    return pending.get(p);
  }));
}

function check(id) {
  if (id !== latest) throw new Cancelled();
}

async function run(msg) {
  const t0 = performance.now();
  await ensureEngine();
  check(msg.id);
  // Each plan is one parallel round; a few queries need a second one.
  for (let round = 0; round < 4; round++) {
    const need = engine.plan(msg.q, msg.filters, msg.prefix);
    if (need.length === 0) break;
    await load(need);
    check(msg.id);
  }
  const res = JSON.parse(engine.search(msg.q, msg.filters, msg.prefix, msg.limit));
  const ords = Uint32Array.from(res.hits.map((h) => h[0]));
  await load(engine.fragments_for(ords));
  check(msg.id);
  const hits = JSON.parse(engine.hits(ords, msg.q, msg.filters, msg.prefix));
  hits.forEach((h, i) => { h.score = res.hits[i][1]; });
  return { total: res.total, hits, facets: res.facets, ms: performance.now() - t0 };
}

self.onmessage = async (e) => {
  const msg = e.data;
  if (msg.type === "init") {
    base = msg.base;
    return;
  }
  if (msg.type !== "query") return;
  latest = msg.id;
  try {
    const result = await run(msg);
    self.postMessage({ type: "results", id: msg.id, ...result });
  } catch (err) {
    if (err instanceof Cancelled) return;
    self.postMessage({ type: "error", id: msg.id, message: String(err && err.message || err) });
  }
};
