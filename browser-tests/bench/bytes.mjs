// Bytes benchmark: the same site searched cold with McDewey's engine and with
// Pagefind, in headless Chromium, one fresh browser context per query.
// Usage: node bench/bytes.mjs SITE_URL QUERIES_FILE OUT_JSON
// The site must hold McDewey's index in _search/ and Pagefind's in pagefind/.
import { readFileSync, writeFileSync } from "node:fs";
import { launch } from "../tests/helpers.mjs";

const [url, queriesFile, outFile] = process.argv.slice(2);
const queries = readFileSync(queriesFile, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));

// Counts the bytes on the wire (encoded body + headers) of every request the
// page and its workers finish after `run` starts.
async function measure(ctx, page, run) {
  const done = [];
  let counting = false;
  const onFinished = (r) => { if (counting) done.push(r.sizes().then((s) => ({ url: r.url(), bytes: s.responseBodySize + s.responseHeadersSize }))); };
  ctx.on("requestfinished", onFinished);
  counting = true;
  const t0 = Date.now();
  const info = await run();
  const ms = Date.now() - t0;
  await page.waitForTimeout(300);
  counting = false;
  ctx.off("requestfinished", onFinished);
  const sizes = await Promise.all(done);
  return { bytes: sizes.reduce((a, s) => a + s.bytes, 0), requests: sizes.length, ms, ...info, urls: sizes.map((s) => s.url + " " + s.bytes) };
}

async function mcdewey(ctx, q) {
  const page = await ctx.newPage();
  await page.goto(url + "404.html");
  return measure(ctx, page, async () => {
    await page.fill("#search-input", q);
    await page.waitForSelector("#search-results a.result, #search-status:has-text('No results')", { timeout: 30000 });
    const n = await page.$$eval("#search-results a.result", (a) => a.length);
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
for (const [name, fn] of [["mcdewey", mcdewey], ["pagefind", pagefind]]) {
  const rows = [];
  for (const q of queries) {
    const ctx = await launch(); // fresh profile: a cold cache for every query
    try {
      rows.push({ q, ...(await fn(ctx, q)) });
    } finally {
      await ctx.close();
    }
  }
  out.engines[name] = { rows, bytes: stats(rows, "bytes"), requests: stats(rows, "requests"), ms: stats(rows, "ms"),
    no_results: rows.filter((r) => r.results === 0).map((r) => r.q) };
  console.log(`${name}: median ${(out.engines[name].bytes.median / 1024).toFixed(1)} KB, p90 ${(out.engines[name].bytes.p90 / 1024).toFixed(1)} KB, ` +
    `requests median ${out.engines[name].requests.median} p90 ${out.engines[name].requests.p90}, time median ${out.engines[name].ms.median} ms p90 ${out.engines[name].ms.p90} ms`);
}
const m = out.engines.mcdewey, p = out.engines.pagefind;
out.ratios = { bytes_median: m.bytes.median / p.bytes.median, bytes_p90: m.bytes.p90 / p.bytes.p90, requests_median: m.requests.median / p.requests.median, ms_median: m.ms.median / p.ms.median };
console.log(`ratios mcdewey/pagefind: bytes median ${out.ratios.bytes_median.toFixed(2)}, p90 ${out.ratios.bytes_p90.toFixed(2)}, requests ${out.ratios.requests_median.toFixed(2)}, time ${out.ratios.ms_median.toFixed(2)}`);
writeFileSync(outFile, JSON.stringify(out, null, 1));
