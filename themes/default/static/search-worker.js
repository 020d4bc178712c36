// Search worker: runs the WASM engine and fetches the index files a query
// needs, so typing never waits on the main thread. Files are fetched once and
// kept. The build prepends the engine's JS glue (`initSync`, `Engine`) to this
// file, and the page sends the module and manifest bytes it fetched in
// parallel with this script: the first results come after three rounds of
// requests (engine + manifest, term shards, fragments).

let base = null; // absolute URL of the site root
let engine = null;
let resolveReady = null;
const readyPromise = new Promise((r) => { resolveReady = r; });
const loaded = new Set();
const pending = new Map();
let latest = 0;

class Cancelled extends Error {}

const SEMANTIC_PAUSE_MS = 150;

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(url + ": HTTP " + r.status);
  return new Uint8Array(await r.arrayBuffer());
}

function indexUrl(path) {
  return new URL("_search/" + path, base).href;
}

function ensureEngine() {
  return readyPromise;
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
  return rank(msg, t0, false);
}

// Besides the results, each message carries timings the page ignores and
// benchmarks read (bench/search-warm.sh): `ms` for the whole pass (plans,
// fetches, ranking, snippets; the pause before semantic is not in it),
// `search_ms` for the engine's ranking call alone, and `started`, when the
// pass began in epoch milliseconds (comparable with the page's clock).
async function rank(msg, t0, semantic) {
  const s0 = performance.now();
  const ranked = engine.search(msg.q, msg.filters, msg.prefix, msg.limit, semantic);
  const searchMs = performance.now() - s0;
  const res = JSON.parse(ranked);
  const ords = Uint32Array.from(res.hits.map((h) => h[0]));
  await load(engine.fragments_for(ords));
  check(msg.id);
  const hits = JSON.parse(engine.hits(ords, msg.q, msg.filters, msg.prefix, semantic));
  hits.forEach((h, i) => {
    h.score = res.hits[i][1];
    // The same passage in other versions: [{ordinal, version}], oldest last.
    h.also = (res.also[i] || []).map((a) => ({ ordinal: a[0], version: a[1] }));
  });
  return { total: res.total, relaxed: res.phrases_relaxed, hits, facets: res.facets, semantic,
    ms: performance.now() - t0, search_ms: searchMs, started: performance.timeOrigin + t0 };
}

// Semantic results fold in after the lexical ones are on screen: the query's
// vocabulary rows and nearest vector partitions are fetched, then the blended
// ranking replaces the list.
async function runSemantic(msg) {
  const t0 = performance.now();
  if (!engine.has_semantic()) return null;
  for (let round = 0; round < 4; round++) {
    const need = engine.plan_semantic(msg.q, msg.filters);
    if (need.length === 0) break;
    await load(need);
    check(msg.id);
  }
  return rank(msg, t0, true);
}

self.onmessage = async (e) => {
  const msg = e.data;
  if (msg.type === "init") {
    base = msg.base;
    try {
      initSync({ module: msg.wasm });
      engine = new Engine(new Uint8Array(msg.manifest));
      loaded.add("manifest.bin");
      resolveReady();
    } catch (err) {
      self.postMessage({ type: "error", id: 0, message: String(err && err.message || err) });
    }
    return;
  }
  if (msg.type === "locate") {
    // The URL of a chunk the page only knows by ordinal (a passage's copy
    // in another version): one fragment fetch, on demand.
    try {
      await ensureEngine();
      const ords = Uint32Array.of(msg.ordinal);
      await load(engine.fragments_for(ords));
      const hit = JSON.parse(engine.hits(ords, "", "", false, false))[0];
      self.postMessage({ type: "located", ordinal: msg.ordinal, url: hit.url });
    } catch (err) {
      self.postMessage({ type: "error", id: 0, message: String(err && err.message || err) });
    }
    return;
  }
  if (msg.type !== "query") return;
  latest = msg.id;
  try {
    const result = await run(msg);
    self.postMessage({ type: "results", id: msg.id, ...result });
    if (msg.semantic) {
      // Embedding a half-typed word is wasted bytes: wait for a pause first.
      await new Promise((r) => setTimeout(r, SEMANTIC_PAUSE_MS));
      check(msg.id);
      const blended = await runSemantic(msg);
      if (blended) self.postMessage({ type: "results", id: msg.id, ...blended });
    }
  } catch (err) {
    if (err instanceof Cancelled) return;
    self.postMessage({ type: "error", id: msg.id, message: String(err && err.message || err) });
  }
};
