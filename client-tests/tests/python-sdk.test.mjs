// The official MCP Python SDK (PyPI `mcp`, pinned in requirements.txt)
// against `mcdewey serve` in each of its connection modes and against
// `mcdewey mcp` over stdio; the checks are in python/check_clients.py. The
// SDK is installed into client-tests/.venv on first use.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TOKEN, buildSite, mcdeweyBin, root, run, serve, serveWithToken } from "./helpers.mjs";

const venv = join(root, ".venv");
const python = join(venv, "bin/python");

// A venv with requirements.txt installed, or null with a printed notice.
async function sdk() {
  const wanted = readFileSync(join(root, "requirements.txt"), "utf8");
  const stamp = join(venv, "requirements.txt");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) return python;
  if (!existsSync(python)) {
    const made = await run("python3", ["-m", "venv", venv]);
    if (made.code !== 0) {
      console.log(`skipping: no Python venv (python3 -m venv: ${made.stderr.trim() || made.err?.message})`);
      return null;
    }
  }
  const pip = await run(python, ["-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", join(root, "requirements.txt")], {
    timeout: 300_000,
  });
  if (pip.code !== 0) {
    console.log(`skipping: the MCP Python SDK could not be installed from PyPI:\n${pip.stderr.trim()}`);
    return null;
  }
  writeFileSync(stamp, wanted);
  return python;
}

let site, server, guarded;
before(async () => {
  site = buildSite();
  [server, guarded] = await Promise.all([serve(site), serveWithToken(site)]);
});
after(() => {
  server?.stop();
  guarded?.stop();
});

test("MCP Python SDK: Streamable HTTP in every mode, and stdio", async (t) => {
  const py = await sdk();
  if (!py) return t.skip("MCP Python SDK not available");
  const r = await run(py, [join(root, "python/check_clients.py"), server.url + "mcp", mcdeweyBin(), site, guarded.url + "mcp", TOKEN], { timeout: 120_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const lines = r.stdout.trim().split("\n");
  console.log(`${lines[0]}: ${lines.at(-1).replace(/, 0 failed$/, "")} checks`);
  // The modes that must have run, so a dropped mode cannot pass unnoticed.
  for (const mode of ["http legacy", "http auto", "http 2026-07-28", "stdio legacy", "stdio auto"]) {
    assert.ok(lines.some((l) => l.startsWith(`ok   ${mode}: connects`)), `${mode} missing:\n${r.stdout}`);
  }
  assert.ok(lines.filter((l) => l.startsWith("ok   token:")).length === 2, r.stdout);
});
