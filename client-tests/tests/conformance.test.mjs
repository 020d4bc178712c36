// The official MCP conformance suite's server scenarios against
// `mcdewey serve`. Scenarios that need the suite's own fixtures or optional
// capabilities are listed, with the reason, in conformance-baseline.yml;
// the suite itself fails the run on an unexpected failure and on a listed
// scenario that passes. The protocol scenarios below must pass by name.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { binOf, buildSite, installed, root, run, scratchDir, serve } from "./helpers.mjs";

const PROTOCOL = ["server-initialize", "ping", "tools-list", "resources-list", "dns-rebinding-protection"];

// The suite needs Node 22 or later: this Node when it is, else the Node
// binary installed from npm as an optional dependency (`npm test` puts that
// one first on its PATH, so there every client runs under it).
function node22() {
  if (Number(process.versions.node.split(".")[0]) >= 22) return process.execPath;
  const fromNpm = join(root, "node_modules/node-22/bin/node");
  if (existsSync(fromNpm)) return fromNpm;
  console.log(`skipping: the conformance suite needs Node 22 or later (this is ${process.version}; node-22 is not installed)`);
  return null;
}

let server;
before(async () => {
  server = await serve(buildSite());
});
after(() => server?.stop());

test("conformance suite: protocol scenarios pass, the rest only as the baseline says", async (t) => {
  const dir = installed("conformance");
  const node = dir && node22();
  if (!node) return t.skip("conformance suite not available");
  const { path: cli, version } = binOf(dir, "conformance");
  // The suite writes its results under its working directory.
  const cwd = scratchDir("mcdewey-conformance-");
  const r = await run(
    node,
    [cli, "server", "--url", server.url + "mcp", "--expected-failures", join(root, "conformance-baseline.yml")],
    { cwd, timeout: 120_000 },
  );
  const out = r.stdout + r.stderr;
  const summary = out.slice(out.indexOf("=== SUMMARY ==="));
  assert.equal(r.code, 0, `conformance ${version} exit ${r.code}:\n${summary}`);
  for (const s of PROTOCOL) {
    assert.match(summary, new RegExp(`✓ ${s}: [1-9]\\d* passed, 0 failed`), `${s} in:\n${summary}`);
  }
  const expected = (summary.match(/^\s+~ /gm) || []).length;
  console.log(`conformance ${version}: the ${PROTOCOL.length} protocol scenarios pass; ${expected} others fail as the baseline expects`);
});
