#!/usr/bin/env node
// A preview tab follows a page whose address changed: `node moved.mjs [playbook binary]`.
//
// Copies the `basic` fixture site (tests/fixtures/basic/content and the repository's themes/)
// into a temporary folder, starts `playbook serve` on it on a free port, opens a step page in
// headless Chromium, then retitles that page. The live-reload reload of the old address gets
// the redirect page the URL ledger keeps there, which forwards: the tab must land on the new
// address (with the new title), never on a 404. Exits 1 with the reason, 0 when it holds.

import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..");
const bin = path.resolve(process.argv[2] || path.join(repo, "target", "debug", "playbook"));
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const DEADLINE_MS = 60_000;

const PAGE = "content/steps/champion.fr.md";
const OLD_TITLE = "Désigner un champion";
const NEW_TITLE = "Désigner un vrai champion";
const OLD_URL = "/fr/steps/designer-un-champion/";
const NEW_URL = "/fr/steps/designer-un-vrai-champion/";

if (!fs.existsSync(bin)) {
  console.error(`moved.mjs: no playbook binary at ${bin}; run \`cargo build\` first.`);
  process.exit(2);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/// Resolves once `cond()` holds; rejects after the deadline.
async function until(what, cond, deadline = Date.now() + DEADLINE_MS) {
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`waited ${DEADLINE_MS / 1000} s for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/// Saves a file the way editors do: a temporary file renamed over it.
function save(file, text) {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.moved-tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

const site = fs.mkdtempSync(path.join(os.tmpdir(), "playbook-moved-"));
fs.cpSync(path.join(repo, "tests", "fixtures", "basic", "content"), path.join(site, "content"), { recursive: true });
fs.cpSync(path.join(repo, "themes"), path.join(site, "themes"), { recursive: true });

let server;
let browser;
let output = "";
let failed = null;
try {
  const port = await freePort();
  server = spawn(bin, ["--root", site, "serve", "--port", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  server.stdout.on("data", (d) => (output += d));
  server.stderr.on("data", (d) => (output += d));
  const exited = new Promise((r) => server.on("exit", (code) => r(code)));
  let exitCode = null;
  exited.then((code) => (exitCode = code));
  await until("the preview server", () => {
    if (exitCode !== null) throw new Error(`playbook serve exited (${exitCode})`);
    return /serving on /.test(output) && /\nbuilt /.test(output);
  });
  const origin = `http://127.0.0.1:${port}`;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
  const page = await browser.newPage();
  const notFound = [];
  page.on("response", (r) => {
    if (r.request().resourceType() === "document" && r.status() === 404) notFound.push(r.url());
  });
  await page.goto(origin + OLD_URL);
  const h1 = await page.textContent("h1");
  if (!h1.includes(OLD_TITLE)) throw new Error(`the page opened shows “${h1}”, not “${OLD_TITLE}”`);

  const file = path.join(site, PAGE);
  const text = fs.readFileSync(file, "utf8");
  if (!text.includes(`title = "${OLD_TITLE}"`)) throw new Error(`${PAGE} has no title “${OLD_TITLE}”`);
  save(file, text.replace(`title = "${OLD_TITLE}"`, `title = "${NEW_TITLE}"`));
  await until("the moved line", () => output.includes(`moved: ${OLD_URL} → ${NEW_URL} (redirect kept)`));

  // The tab reloads when the rebuild is done. Its live-reload socket may have connected after
  // that message went out: then a further save (a body edit) reloads it again, still on the
  // old address, which must forward all the same.
  let edits = 0;
  const deadline = Date.now() + DEADLINE_MS;
  while (new URL(page.url()).pathname !== NEW_URL) {
    const waited = Date.now();
    await until("the tab to move", () => new URL(page.url()).pathname === NEW_URL || Date.now() - waited > 5000, deadline);
    if (new URL(page.url()).pathname !== NEW_URL) {
      edits++;
      save(file, fs.readFileSync(file, "utf8") + `\nPassage ${edits}.\n`);
    }
  }
  await page.waitForLoadState("load");
  const moved = await page.textContent("h1");
  if (!moved.includes(NEW_TITLE)) throw new Error(`the tab shows “${moved}”, not “${NEW_TITLE}”`);
  if (notFound.length) throw new Error(`the tab got a 404: ${notFound.join(", ")}`);
  console.log(`moved.mjs: the tab followed ${OLD_URL} → ${NEW_URL}${edits ? ` (after ${edits} more save(s))` : ""}`);
} catch (e) {
  failed = e;
} finally {
  if (browser) await browser.close();
  if (server && server.exitCode === null) server.kill("SIGINT");
  fs.rmSync(site, { recursive: true, force: true });
}
if (failed) {
  console.error(`moved.mjs: FAILED: ${failed.message}\n--- playbook serve\n${output}`);
  process.exit(1);
}
