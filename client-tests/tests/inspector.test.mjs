// MCP Inspector's CLI mode, versions 0.15 and 2.x as published on npm,
// against `mcdewey serve` (Streamable HTTP) and `mcdewey mcp` (stdio). The
// Inspector converts `--tool-arg key=value` by the tool's input schema, so
// these checks fail when a schema makes it send the wrong type; its SDK
// validates structured results against the output schemas.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, TOKEN, binOf, buildSite, installed, mcdeweyBin, run, scratchHome, serve, serveWithToken } from "./helpers.mjs";

const VERSIONS = [
  // 0.15 prints the result as JSON; 2.x does with --format json, wrapped.
  // 2.x exits 5 when the tool's result has isError.
  { pkg: "inspector-0.15", flags: [], unwrap: (o) => o, toolErrorExit: 0 },
  { pkg: "inspector-2", flags: ["--format", "json"], unwrap: (o) => o.result, toolErrorExit: 5 },
];

let site, server, guarded;
before(async () => {
  site = buildSite();
  [server, guarded] = await Promise.all([serve(site), serveWithToken(site)]);
});
after(() => {
  server?.stop();
  guarded?.stop();
});

for (const v of VERSIONS) {
  describe(v.pkg, () => {
    const dir = installed(v.pkg);
    if (!dir) return;
    const { path: cli, version } = binOf(dir, "mcp-inspector");
    const home = scratchHome();
    const url = () => server.url + "mcp";

    // One Inspector run; `target` is a URL or the stdio command line.
    async function inspect(target, args, extra = [], exit = 0) {
      const r = await run(process.execPath, [cli, "--cli", ...target, ...args, ...v.flags, ...extra], {
        env: { ...process.env, HOME: home },
      });
      assert.equal(r.code, exit, `Inspector ${version} ${args.join(" ")}: exit ${r.code}\n${r.stderr}\n${r.stdout}`);
      return { out: v.unwrap(JSON.parse(r.stdout)), stderr: r.stderr };
    }
    const toolArgs = (tool, args) => [
      "--method", "tools/call", "--tool-name", tool,
      ...Object.entries(args).flatMap(([k, x]) => ["--tool-arg", `${k}=${x}`]),
    ];
    const call = (target, tool, args, extra) => inspect(target, toolArgs(tool, args), extra).then((r) => r.out);

    test(`${version}: tools/list shows five tools and the bounds of limit`, async () => {
      const { out } = await inspect([url()], ["--method", "tools/list"]);
      assert.deepEqual(out.tools.map((t) => t.name).sort(), ["fetch", "get_outline", "list_library", "read_page", "search"]);
      const limit = out.tools.find((t) => t.name === "search").inputSchema.properties.limit;
      assert.deepEqual([limit.type, limit.minimum, limit.maximum], ["integer", 1, 50]);
    });

    test(`${version}: search with limit=2, then its next page`, async () => {
      const first = await call([url()], "search", { query: "install", limit: 2 });
      assert.notEqual(first.isError, true, JSON.stringify(first));
      const hits = first.structuredContent.hits;
      assert.equal(hits.length, 2);
      // Results name the server's origin, so the URLs can be opened.
      assert.ok(hits[0].url.startsWith(server.url), hits[0].url);
      const cursor = first.structuredContent.next_cursor;
      assert.ok(cursor, "a next_cursor");
      const second = await call([url()], "search", { query: "install", limit: 2, cursor });
      const ids = second.structuredContent.hits.map((h) => h.id);
      assert.equal(ids.length, 2);
      assert.ok(!ids.some((id) => hits.some((h) => h.id === id)), `page 2 repeats page 1: ${ids}`);
    });

    test(`${version}: read_page's integer arguments, fetch, get_outline, list_library, resources`, async () => {
      // Independent runs, at once: most of their time is the clients' start.
      const [page, bad, outline, lib, templates] = await Promise.all([
        call([url()], "read_page", { document: ADMIN, page: 2, neighbors: 1, max_chars: 5000 }),
        inspect([url()], toolArgs("search", { query: "install", limit: 0 }), [], v.toolErrorExit).then((r) => r.out),
        call([url()], "get_outline", { document: ADMIN }),
        call([url()], "list_library", {}),
        inspect([url()], ["--method", "resources/templates/list"]).then((r) => r.out),
      ]);
      assert.notEqual(page.isError, true, JSON.stringify(page));
      assert.deepEqual(page.structuredContent.pages.map((p) => p.number), [1, 2, 3]);
      // An out-of-bounds limit is a tool error the model can read.
      assert.equal(bad.isError, true);
      assert.match(bad.content[0].text, /between 1 and 50/);
      assert.ok(lib.structuredContent.vendors.length >= 2);
      assert.equal(templates.resourceTemplates.length, 3);
      const chunk = outline.structuredContent.headings[0].chunk_id;
      assert.ok(chunk?.startsWith(ADMIN + "::"), JSON.stringify(outline.structuredContent.headings[0]));
      const [fetched, resource] = await Promise.all([
        call([url()], "fetch", { id: chunk }),
        inspect([url()], ["--method", "resources/read", "--uri", `mcdewey://chunk/${chunk}`]).then((r) => r.out),
      ]);
      assert.equal(fetched.structuredContent.id, chunk);
      assert.ok(fetched.structuredContent.citation.startsWith("Relay Gateway 5.0"), fetched.structuredContent.citation);
      assert.ok(resource.contents[0].text.length > 0);
    });

    test(`${version}: the same over stdio (mcdewey mcp)`, async () => {
      const stdio = [mcdeweyBin(), "mcp", site];
      const [r, page] = await Promise.all([
        call(stdio, "search", { query: "install", limit: 2 }),
        call(stdio, "read_page", { document: ADMIN, page: 2, neighbors: 1 }),
      ]);
      assert.equal(r.structuredContent.hits.length, 2);
      assert.deepEqual(page.structuredContent.pages.map((p) => p.number), [1, 2, 3]);
    });

    if (v.pkg === "inspector-2") {
      test(`${version}: --strict finds no schema portability problem, in either protocol era`, async () => {
        const eras = ["legacy", "modern"];
        const runs = await Promise.all(eras.map((era) => inspect([url()], ["--method", "tools/list", "--strict", "--protocol-era", era])));
        runs.forEach(({ stderr }, i) => assert.doesNotMatch(stderr, /(Warning|Error): tool/, `${eras[i]}:\n${stderr}`));
      });

      test(`${version}: a library that requires a bearer token, with --header`, async () => {
        const r = await call([guarded.url + "mcp"], "search", { query: "install", limit: 2 }, ["--header", `Authorization: Bearer ${TOKEN}`]);
        assert.equal(r.structuredContent.hits.length, 2);
      });

      test(`${version}: search with limit=2 in the modern protocol era`, async () => {
        const r = await call([url()], "search", { query: "install", limit: 2 }, ["--protocol-era", "modern"]);
        assert.equal(r.structuredContent.hits.length, 2);
      });
    }
  });
}
