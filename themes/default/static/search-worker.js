// Search worker: runs the WASM engine and fetches the index files a query
// needs, so typing never waits on the main thread. Files are fetched once and
// kept. The build prepends the engine's JS glue (`initSync`, `Engine`,
// `Query`) to this file, and the page sends the module and manifest bytes it fetched in
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

// The query is built once per message, with the page's filters as one scope
// (a facet's values are alternatives); its plan names the files still
// missing, term shards first, then the fragments of the hits, so each plan
// is one parallel round and most passes need two.
function makeQuery(msg) {
  const q = new Query(msg.q, msg.prefix, msg.limit, false);
  const f = msg.filters || {};
  if (Object.keys(f).some((k) => f[k] && f[k].length)) {
    q.add_scope(f.vendor || [], f.product || [], f.version || [], f.doc_set || [], f.document || []);
  }
  return q;
}

// Besides the results, each message carries timings the page ignores and
// benchmarks read (bench/search-warm.sh): `ms` for the whole pass (plans,
// fetches, ranking, snippets; the pause before semantic is not in it),
// `search_ms` for the engine's results call alone, and `started`, when the
// pass began in epoch milliseconds (comparable with the page's clock).
async function pass(msg, query, semantic) {
  const t0 = performance.now();
  query.set_semantic(semantic);
  // Semantic adds up to three rounds (vocabulary, token rows, partitions).
  for (let round = 0; round < 8; round++) {
    const need = engine.plan(query);
    if (need.length === 0) break;
    await load(need);
    check(msg.id);
  }
  const s0 = performance.now();
  const res = JSON.parse(engine.results(query));
  const searchMs = performance.now() - s0;
  return { total: res.total, relaxed: res.phrases_relaxed, hits: res.hits, facets: res.facets, semantic,
    ms: performance.now() - t0, search_ms: searchMs, started: performance.timeOrigin + t0 };
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
    // in another version): its fragment, on demand (its twin block first,
    // when the results did not bring it).
    try {
      await ensureEngine();
      for (let round = 0; round < 3; round++) {
        const need = engine.plan_chunk(msg.ordinal);
        if (need.length === 0) break;
        await load(need);
      }
      self.postMessage({ type: "located", ordinal: msg.ordinal, url: engine.url(msg.ordinal) });
    } catch (err) {
      self.postMessage({ type: "error", id: 0, message: String(err && err.message || err) });
    }
    return;
  }
  if (msg.type !== "query") return;
  latest = msg.id;
  let query = null;
  try {
    await ensureEngine();
    check(msg.id);
    query = makeQuery(msg);
    const result = await pass(msg, query, false);
    self.postMessage({ type: "results", id: msg.id, ...result });
    // Semantic results fold in after the lexical ones are on screen: the
    // same query, with the files of its semantic half, replaces the list.
    // Embedding a half-typed word is wasted bytes: wait for a pause first.
    if (msg.semantic && engine.has_semantic()) {
      await new Promise((r) => setTimeout(r, SEMANTIC_PAUSE_MS));
      check(msg.id);
      const blended = await pass(msg, query, true);
      self.postMessage({ type: "results", id: msg.id, ...blended });
    }
  } catch (err) {
    if (err instanceof Cancelled) return;
    self.postMessage({ type: "error", id: msg.id, message: String(err && err.message || err) });
  } finally {
    if (query) query.free();
  }
};
