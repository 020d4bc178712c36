// Shared fixtures: the sample library built and served by the real `mcdewey`
// binary (the browser tests' helpers), and real MCP clients run as the
// separate programs a user would run.
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { mcdeweyBin, scratchDir } from "../../browser-tests/tests/helpers.mjs";
export { buildSite, mcdeweyBin, scratchDir, serve } from "../../browser-tests/tests/helpers.mjs";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

// The one document of the sample library every check reads (PDF-style, with
// printed page labels).
export const ADMIN = "relay::5.0::admin-guide::admin-guide";

// Runs a program to its end: { code, stdout, stderr }, never throws.
export function run(cmd, args, opts = {}) {
  return new Promise((done) => {
    execFile(cmd, args, { encoding: "utf8", timeout: 60_000, maxBuffer: 64 << 20, ...opts }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr, err });
    });
  });
}

// The directory of an installed npm dependency, or null with a printed
// notice (the package could not be installed: no registry, say).
export function installed(name) {
  const dir = join(root, "node_modules", name);
  if (existsSync(join(dir, "package.json"))) return dir;
  console.log(`skipping: ${name} is not installed (run npm install in client-tests/)`);
  return null;
}

// The path of `bin` from an installed package's package.json.
export function binOf(dir, bin) {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const rel = typeof pkg.bin === "string" ? pkg.bin : pkg.bin[bin];
  return { path: join(dir, rel), version: pkg.version };
}

// A throwaway HOME, so that clients keeping state there (Inspector 2.x's
// catalog and storage) leave the user's alone.
export function scratchHome() {
  return scratchDir("mcdewey-clients-home-");
}

// A bearer token for `/mcp`, as an operator would put in MCDEWEY_MCP_TOKENS.
export const TOKEN = "client-tests-token-0123456789abcdef";

// `mcdewey serve SITE --port 0` requiring TOKEN on /mcp: { url, stop }.
export function serveWithToken(site) {
  return new Promise((resolveServer, reject) => {
    const child = spawn(mcdeweyBin(), ["serve", site, "--port", "0"], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, MCDEWEY_MCP_TOKENS: TOKEN },
    });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
      if (m) resolveServer({ url: m[1], stop: () => child.kill() });
    });
    child.on("exit", (code) => reject(new Error("server exited " + code + ": " + err)));
  });
}
