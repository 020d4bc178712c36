// Shared fixtures: build the sample library with the real `mcdewey` binary,
// serve it with `mcdewey serve`, and drive Debian's Chromium via Playwright.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, existsSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// Every test file runs in its own process: the sites and browser profiles it
// made go when it exits, so repeated runs do not fill the disk.
const scratch = [];
export function scratchDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}
process.on("exit", () => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

export function mcdeweyBin() {
  const candidates = [process.env.MCDEWEY_BIN, join(repo, "target/debug/mcdewey"), join(repo, "target/release/mcdewey")];
  const bin = candidates.find((p) => p && existsSync(p));
  if (!bin) throw new Error("mcdewey binary not found: run cargo build -p mcdewey first");
  return bin;
}

// Builds `content` into a fresh directory; `config` is mcdewey.toml text.
export function buildSite(content = join(repo, "content"), config = "") {
  const dir = scratchDir("mcdewey-browser-");
  const out = join(dir, "site");
  const toml = join(dir, "mcdewey.toml");
  writeFileSync(toml, config);
  execFileSync(mcdeweyBin(), ["build", content, "--out", out, "--config", toml, "--quiet"], { stdio: "inherit" });
  return out;
}

// Starts `mcdewey serve SITE --port 0` and resolves to { url, stop }.
export function serve(site) {
  return new Promise((resolveServer, reject) => {
    const child = spawn(mcdeweyBin(), ["serve", site, "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
      if (m) resolveServer({ url: m[1], stop: () => child.kill() });
    });
    child.on("exit", (code) => reject(new Error("server exited " + code + ": " + err)));
  });
}

export async function launch() {
  const { chromium } = await import("playwright-core");
  const dir = scratchDir("mcdewey-chromium-");
  return chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export function chromiumMissing() {
  const path = process.env.CHROMIUM || "/usr/bin/chromium";
  if (existsSync(path)) return false;
  console.log("skipping: Chromium not found at " + path + " (install Debian's chromium)");
  return true;
}
