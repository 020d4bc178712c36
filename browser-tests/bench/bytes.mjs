// Bytes benchmark: the same site searched cold with McDewey's engine and with
// Pagefind, in headless Chromium, one fresh browser context per query.
// Usage: node bench/bytes.mjs SITE_URL QUERIES_FILE OUT_JSON
// The site must hold McDewey's index in _search/ and Pagefind's in pagefind/;
// ENGINES=mcdewey measures McDewey alone (no Pagefind index needed).
import { readFileSync, writeFileSync } from "node:fs";
import { launch } from "../tests/helpers.mjs";

const [url, queriesFile, outFile] = process.argv.slice(2);
const queries = readFileSync(queriesFile, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));

// Counts the bytes on the wire (encoded body + headers) of every request the
// page and its workers finish after `run` starts.
async function measure(ctx, page, run) {
  const done = [];
  let counting = false;
  const onFinished = (r) => {
    if (!counting) return;
    const t = r.timing();
    done.push(r.sizes().then((s) => ({ url: r.url(), bytes: s.responseBodySize + s.responseHeadersSize,
      start: t.startTime, end: t.startTime + t.responseEnd })));
  };
  ctx.on("requestfinished", onFinished);
  counting = true;
  const t0 = Date.now();
  let firstAt = null;
  // `mark(epochMs)` sets when the first results showed; requests started
  // before that moment are the cost of the first results.
  const mark = (at) => { firstAt = at; };
  const info = await run(mark);
  const total_ms = Date.now() - t0;
  await page.waitForTimeout(300);
  counting = false;
  ctx.off("requestfinished", onFinished);
  const sizes = await Promise.all(done);
  const sum = (xs) => xs.reduce((a, s) => a + s.bytes, 0);
  const firstSet = firstAt == null ? sizes : sizes.filter((s) => s.start < firstAt);
  const firstMs = firstAt == null ? total_ms : firstAt - t0;
  return { bytes: sum(firstSet), requests: firstSet.length, ms: firstMs, rounds: rounds(firstSet),
    total_bytes: sum(sizes), total_requests: sizes.length, total_ms, ...info, urls: sizes.map((s) => s.url + " " + s.bytes),
    first_urls: firstSet.map((s) => s.url + " " + s.bytes) };
}

// Sequential rounds of requests: a request that starts after another one
// ended is one round deeper than it (requests in flight together share one).
function rounds(reqs) {
  const sorted = [...reqs].sort((a, b) => a.start - b.start);
  const depth = [];
  sorted.forEach((r, i) => {
    let d = 1;
    for (let j = 0; j < i; j++) if (sorted[j].end <= r.start + 1) d = Math.max(d, depth[j] + 1);
    depth.push(d);
  });
  return depth.length ? Math.max(...depth) : 0;
}

async function mcdewey(ctx, q) {
  const page = await ctx.newPage();
  await page.goto(url + "404.html");
  await page.evaluate(() => {
    new MutationObserver((_, obs) => {
      if (document.querySelector("#search-results a.result")) { window.__firstAt = Date.now(); obs.disconnect(); }
    }).observe(document.getElementById("search-results"), { childList: true, subtree: true });
  });
  return measure(ctx, page, async (mark) => {
    await page.fill("#search-input", q);
    await page.waitForSelector("#search-results a.result, #search-status:has-text('No results')", { timeout: 30000 });
    mark(await page.evaluate(() => window.__firstAt || Date.now()));
    const n = await page.$$eval("#search-results a.result", (a) => a.length);
    // Then the semantic half folds in (hybrid results).
    await page.waitForSelector("#search-results[data-semantic=on]", { timeout: 30000 }).catch(() => {});
    return { results: n };
  });
}

async function pagefind(ctx, q) {
  const page = await ctx.newPage();
  await page.goto(url + "404.html");
  return measure(ctx, page, async () => {
    const n = await page.evaluate(async (q) => {
      const pf = await import("/pagefind/pagefind.js");
      await pf.init();
      const search = await pf.search(q);
      const data = await Promise.all(search.results.slice(0, 10).map((r) => r.data()));
      return data.length;
    }, q);
    return { results: n };
  });
}

function stats(rows, key) {
  const v = rows.map((r) => r[key]).sort((a, b) => a - b);
  const at = (p) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
  return { median: at(0.5), p90: at(0.9), mean: v.reduce((a, b) => a + b, 0) / v.length };
}

const out = { queries: queries.length, engines: {} };
const engines = (process.env.ENGINES || "mcdewey,pagefind").split(",");
for (const [name, fn] of [["mcdewey", mcdewey], ["pagefind", pagefind]].filter(([n]) => engines.includes(n))) {
  const rows = [];
  for (const q of queries) {
    const ctx = await launch(); // fresh profile: a cold cache for every query
    try {
      rows.push({ q, ...(await fn(ctx, q)) });
    } finally {
      await ctx.close();
    }
  }
  out.engines[name] = { rows, bytes: stats(rows, "bytes"), requests: stats(rows, "requests"), ms: stats(rows, "ms"), rounds: stats(rows, "rounds"),
    total_bytes: stats(rows, "total_bytes"), total_requests: stats(rows, "total_requests"), total_ms: stats(rows, "total_ms"),
    no_results: rows.filter((r) => r.results === 0).map((r) => r.q) };
  console.log(`${name}: median ${(out.engines[name].bytes.median / 1024).toFixed(1)} KB, p90 ${(out.engines[name].bytes.p90 / 1024).toFixed(1)} KB, ` +
    `requests median ${out.engines[name].requests.median} p90 ${out.engines[name].requests.p90}, rounds median ${out.engines[name].rounds.median} p90 ${out.engines[name].rounds.p90}, time median ${out.engines[name].ms.median} ms p90 ${out.engines[name].ms.p90} ms`);
}
for (const [name, e] of Object.entries(out.engines)) {
  console.log(`${name} until all results (hybrid for mcdewey): median ${(e.total_bytes.median / 1024).toFixed(1)} KB, p90 ${(e.total_bytes.p90 / 1024).toFixed(1)} KB, requests ${e.total_requests.median}, time ${e.total_ms.median} ms`);
}
const m = out.engines.mcdewey, p = out.engines.pagefind;
if (m && p) out.ratios = { hybrid_bytes_median: m.total_bytes.median / p.total_bytes.median, bytes_median: m.bytes.median / p.bytes.median, bytes_p90: m.bytes.p90 / p.bytes.p90, requests_median: m.requests.median / p.requests.median, ms_median: m.ms.median / p.ms.median };
if (out.ratios) {
  console.log(`hybrid/pagefind bytes median ${out.ratios.hybrid_bytes_median.toFixed(2)}`);
  console.log(`ratios mcdewey/pagefind (first results): bytes median ${out.ratios.bytes_median.toFixed(2)}, p90 ${out.ratios.bytes_p90.toFixed(2)}, requests ${out.ratios.requests_median.toFixed(2)}, time ${out.ratios.ms_median.toFixed(2)}`);
}
writeFileSync(outFile, JSON.stringify(out, null, 1));
