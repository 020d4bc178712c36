// A site built with offline search, opened from disk (file:// URLs, as from a
// USB stick): typing shows ranked results, from a page at the root and from a
// nested one, with no error and no request outside the copy. Served over
// http, the same site searches as before, from the worker, without the scripts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { cpSync } from "node:fs";
import { join, dirname } from "node:path";
import { buildSite, serve, launch, chromiumMissing } from "./helpers.mjs";

let site, copy, ctx, server;
const skip = chromiumMissing();

before(async () => {
  if (skip) return;
  site = buildSite(undefined, "[search]\noffline = true\n");
  // A copy where a stick might put it: a folder name with a space and a non-ASCII letter.
  copy = join(dirname(site), "USB stick é", "library");
  cpSync(site, copy, { recursive: true });
  ctx = await launch();
});

after(async () => {
  if (ctx) await ctx.close();
  if (server) server.stop();
});

async function results(page) {
  await page.waitForFunction(() => {
    const list = document.querySelector("#search-results");
    return list.dataset.semantic === "on" && list.dataset.query === document.querySelector("#search-input").value.trim()
      && list.querySelector("a.result") !== null;
  }, null, { timeout: 20000 });
  return page.$$eval("#search-results a.result", (as) => as.map((a) => ({
    id: a.dataset.chunkId, href: a.href, marks: [...a.querySelectorAll("mark")].map((m) => m.textContent),
  })));
}

// Console errors (a refused script, a CSP violation) and requests that leave the copy.
function watch(page, inside) {
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("request", (r) => { if (!r.url().startsWith(inside)) problems.push("request: " + r.url()); });
  return problems;
}

test("search works in a copy opened from file://", { skip }, async () => {
  const root = pathToFileURL(copy).href + "/";
  const page = await ctx.newPage();
  const problems = watch(page, root);
  const requested = [];
  page.on("request", (r) => requested.push(r.url().slice(root.length)));
  await page.goto(root + "index.html");
  await page.click("#search-input");
  await page.keyboard.type("START_RECORDING", { delay: 20 });
  const hits = await results(page);
  assert.ok(hits.filter((h) => h.id.startsWith("relay::")).length >= 3, JSON.stringify(hits.map((h) => h.id)));
  assert.ok(hits.some((h) => h.marks.some((m) => /START_RECORDING/i.test(m))), JSON.stringify(hits.slice(0, 3)));
  assert.ok(hits.every((h) => h.href.startsWith(root)), JSON.stringify(hits.map((h) => h.href)));
  // Only the query's shards came, as scripts: not the whole index.
  const shards = requested.filter((p) => p.startsWith("_offline/_search/"));
  assert.ok(shards.includes("_offline/_search/manifest.bin.js"), JSON.stringify(requested));
  assert.ok(requested.includes("_offline/_static/engine/mcdewey_search_wasm_bg.wasm.js"), JSON.stringify(requested));
  assert.ok(!requested.some((p) => p.startsWith("_search/")), JSON.stringify(requested));

  // The chosen result opens the page at its chunk, and searching there works too.
  await Promise.all([page.waitForNavigation(), page.click("#search-results a.result")]);
  const url = new URL(page.url());
  assert.equal(url.protocol, "file:");
  assert.match(url.hash, /^#c-\d+$/);
  await page.click("#search-input");
  await page.keyboard.type("supervisor recording", { delay: 20 });
  const nested = await results(page);
  assert.ok(nested.length > 0);
  assert.ok(nested.every((h) => h.href.startsWith(root)), JSON.stringify(nested.map((h) => h.href)));
  assert.deepEqual(problems, []);
  await page.close();
});

test("served over http, the offline build searches from the worker as before", { skip }, async () => {
  server = await serve(site);
  const page = await ctx.newPage();
  const problems = watch(page, server.url);
  const requested = [];
  page.on("request", (r) => requested.push(new URL(r.url()).pathname));
  await page.goto(server.url + "index.html?q=" + encodeURIComponent("E0729"));
  const hits = await results(page);
  assert.ok(hits[0].id.startsWith("relay::"), JSON.stringify(hits.map((h) => h.id)));
  assert.ok(requested.includes("/_search/manifest.bin"), JSON.stringify(requested));
  assert.ok(!requested.some((p) => p.startsWith("/_offline/")), JSON.stringify(requested));
  assert.deepEqual(problems, []);
  await page.close();
});

