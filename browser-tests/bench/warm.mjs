// Warm hybrid query latency: one page of the site in headless Chromium types
// every query once (its index files are fetched and kept by the worker), then
// types each one REPS more times with semantic search on and times it.
// Usage: node bench/warm.mjs SITE_URL QUERIES_FILE OUT_JSON [REPS]
//
// Per query and repetition (all times in ms):
//   engine_ms     the worker's hybrid pass: semantic plans, ranking, snippets
//                 (`ms` of its message; no fetches when warm, no pauses)
//   search_ms     the engine's ranking call alone in that pass (`search_ms`)
//   display_ms    from the start of the hybrid pass to the hybrid list in the
//                 page's DOM: engine, message to the page, rendering
//   ui_ms         from the input event to the hybrid list in the DOM; includes
//                 the UI's 60 ms keystroke debounce, the lexical pass and the
//                 worker's 150 ms pause before semantic fetches
//   lexical_ui_ms from the input event to the lexical list (includes the 60 ms)
// "In the DOM" is when the list has been replaced; the browser paints it with
// its next frame.
import { readFileSync, writeFileSync } from "node:fs";
import { launch } from "../tests/helpers.mjs";

const [url, queriesFile, outFile, repsArg] = process.argv.slice(2);
const reps = Number(repsArg || 5);
const queries = readFileSync(queriesFile, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
const now = () => performance.timeOrigin + performance.now();

// Runs before the page's scripts: records the search worker's result messages
// (with their timings) and when the list switches between lexical and hybrid,
// without changing the UI's code path.
function instrument() {
  const clock = () => performance.timeOrigin + performance.now();
  window.__bench = { inputAt: 0, msgs: [], renders: [] };
  const Base = window.Worker;
  window.Worker = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        const d = e.data;
        if (d && d.type === "results") {
          window.__bench.msgs.push({ id: d.id, semantic: d.semantic, ms: d.ms, search_ms: d.search_ms,
            started: d.started, total: d.total, hits: d.hits.length, at: clock() });
        }
      });
    }
  };
  document.addEventListener("input", () => { window.__bench.inputAt = clock(); }, true);
  document.addEventListener("DOMContentLoaded", () => {
    const list = document.getElementById("search-results");
    new MutationObserver(() => {
      window.__bench.renders.push({ semantic: list.getAttribute("data-semantic"), at: clock() });
    }).observe(list, { attributes: true, attributeFilter: ["data-semantic"] });
  });
}

async function once(page, q) {
  await page.fill("#search-input", ""); // closes the panel; the next fill is a new query
  await page.evaluate(() => { window.__bench.msgs = []; window.__bench.renders = []; });
  await page.fill("#search-input", q);
  await page.waitForFunction(() => window.__bench.renders.some((r) => r.semantic === "on"), null, { timeout: 30000 });
  const b = await page.evaluate(() => window.__bench);
  const id = Math.max(...b.msgs.map((m) => m.id));
  const lex = b.msgs.find((m) => m.id === id && !m.semantic);
  const hyb = b.msgs.find((m) => m.id === id && m.semantic);
  const lexRender = b.renders.find((r) => r.semantic === "off");
  const hybRender = b.renders.find((r) => r.semantic === "on");
  // Browsers coarsen performance.now() (to 0.1 ms here): two decimals suffice.
  const ms = (x) => (x == null || Number.isNaN(x) ? null : Math.round(x * 100) / 100);
  return {
    engine_ms: ms(hyb.ms), search_ms: ms(hyb.search_ms),
    display_ms: ms(hybRender.at - hyb.started),
    ui_ms: ms(hybRender.at - b.inputAt), lexical_ui_ms: ms(lexRender ? lexRender.at - b.inputAt : null),
    lexical_engine_ms: ms(lex ? lex.ms : null), total: hyb.total, hits: hyb.hits,
  };
}

function stats(values) {
  const v = values.filter((x) => x != null).sort((a, b) => a - b);
  if (!v.length) return null;
  const at = (p) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
  return { p50: at(0.5), p90: at(0.9), min: v[0], max: v[v.length - 1], n: v.length };
}

const ctx = await launch();
const rows = [];
try {
  const page = await ctx.newPage();
  await page.addInitScript(instrument);
  await page.goto(url + "404.html");
  const semantic = await page.$eval("#search-semantic", (b) => b.checked).catch(() => true);
  if (!semantic) throw new Error("semantic search is off in this browser profile");
  const t0 = now();
  for (const q of queries) await once(page, q); // warm-up: fetch every file once
  console.log(`warm-up: ${queries.length} queries in ${((now() - t0) / 1000).toFixed(1)} s`);
  for (let r = 0; r < reps; r++) {
    for (const q of queries) rows.push({ q, rep: r, ...(await once(page, q)) });
  }
} finally {
  await ctx.close();
}

const keys = ["engine_ms", "search_ms", "display_ms", "ui_ms", "lexical_ui_ms", "lexical_engine_ms"];
const out = { queries: queries.length, reps, samples: rows.length, stats: {}, per_query: {}, rows };
for (const k of keys) out.stats[k] = stats(rows.map((r) => r[k]));
for (const q of queries) {
  const mine = rows.filter((r) => r.q === q);
  out.per_query[q] = Object.fromEntries(keys.map((k) => [k, stats(mine.map((r) => r[k]))?.p50 ?? null]));
}
const fmt = (s) => (s ? `p50 ${s.p50.toFixed(1)} ms, p90 ${s.p90.toFixed(1)} ms (max ${s.max.toFixed(1)})` : "n/a (site built without worker timings)");
console.log(`${rows.length} warm hybrid queries (${queries.length} queries x ${reps})`);
console.log(`engine, hybrid pass in the worker:      ${fmt(out.stats.engine_ms)}`);
console.log(`engine, ranking call alone:             ${fmt(out.stats.search_ms)}`);
console.log(`UI, hybrid pass start -> hybrid list:   ${fmt(out.stats.display_ms)}`);
console.log(`UI, typing -> hybrid list (incl. 60 ms debounce + 150 ms pause): ${fmt(out.stats.ui_ms)}`);
console.log(`UI, typing -> lexical list (incl. 60 ms debounce): ${fmt(out.stats.lexical_ui_ms)}`);
const slow = Object.entries(out.per_query).sort((a, b) => b[1].engine_ms - a[1].engine_ms).slice(0, 5);
console.log("slowest (engine p50): " + slow.map(([q, s]) => `${q} ${s.engine_ms.toFixed(1)}`).join(", "));
writeFileSync(outFile, JSON.stringify(out, null, 1));
