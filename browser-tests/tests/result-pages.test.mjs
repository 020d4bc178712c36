// Where a result says it is: a document with physical pages names the page
// ("Page 12", or its printed label), a document without them (plain Markdown,
// a web page) names the section, exactly as the page view it links to does.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { buildSite, serve, launch, chromiumMissing } from "./helpers.mjs";

let server, ctx;
const skip = chromiumMissing();

before(async () => {
  if (skip) return;
  server = await serve(buildSite());
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
    id: a.dataset.chunkId, href: a.href, page: a.querySelector(".result-page").textContent,
  })));
}

// The page view's own name for its page, without the physical page note.
async function pageViewName(page, href) {
  await page.goto(href);
  return page.$eval(".page-head .page-number", (p) => p.firstChild.textContent.trim());
}

for (const [query, kind] of [["base path github pages", "unpaged"], ["E0729", "paged"]]) {
  test(`results name the page or section as the page view does (${kind}: ${query})`, { skip }, async () => {
    const page = await ctx.newPage();
    await page.goto(server.url + "index.html?q=" + encodeURIComponent(query));
    const hits = await results(page);
    // The sample library's McDewey guides have no page markers; Relay's
    // admin guide has them.
    const unpaged = hits.filter((h) => h.id.startsWith("mcdewey::"));
    const paged = hits.filter((h) => h.id.startsWith("relay::5.0::admin-guide::"));
    assert.ok((kind === "unpaged" ? unpaged : paged).length > 0, JSON.stringify(hits));
    for (const h of unpaged) assert.doesNotMatch(h.page, /^Page \d/, JSON.stringify(h));
    for (const h of paged) assert.match(h.page, /^Page \S+$/, JSON.stringify(h));
    for (const h of hits.slice(0, 6)) {
      assert.equal(h.page, await pageViewName(page, h.href), JSON.stringify(h));
    }
    await page.close();
  });
}
