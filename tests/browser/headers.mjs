#!/usr/bin/env node
// Header rules of netlify.toml over the built site: `node headers.mjs <public dir> [netlify.toml]`.
//
// netlify.toml is read with Netlify's own parser (`resolveConfig` of @netlify/config, offline: no
// network, no account), which also reads the `_headers` file of the publish folder, and gives the
// rules as Netlify normalizes them (`{ for, values }`). Then, for every file of the built site and
// every URL that reaches it (`/a/index.html`, `/a/`, `/a`; `/404.html`, `/404`):
//   - each header name is set by at most one matching rule (hosts apply every matching rule and may
//     join a header set twice into one value);
//   - the security headers are there: the site's CSP (`default-src 'self'`, `frame-ancestors
//     'none'`, nothing `unsafe`), X-Content-Type-Options: nosniff, Referrer-Policy,
//     X-Frame-Options: DENY, Permissions-Policy;
//   - files under /assets/ (fingerprinted) get `Cache-Control: …max-age=31536000, immutable`, and
//     nothing else gets an immutable or long-lived Cache-Control (without a rule, Netlify sends its
//     default `public, max-age=0, must-revalidate`).
// Path matching follows Netlify's documented rules for `for` (see `matcher` below), and is checked
// against the RegExp Netlify's headers parser builds for the same rule: a path on which they
// disagree is a failure too.
// Exits 1 with the list of problems, 0 when there are none; prints counts either way.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { resolveConfig } from "@netlify/config";
import { parseAllHeaders } from "@netlify/headers-parser";
import { walk } from "./files.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const publicDir = path.resolve(process.argv[2] || path.join(here, "..", "..", "public"));
const configPath = path.resolve(process.argv[3] || path.join(here, "..", "..", "netlify.toml"));
const NETLIFY_DEFAULT_CACHE_CONTROL = "public, max-age=0, must-revalidate";

if (!fs.existsSync(path.join(publicDir, "index.html"))) {
  console.error(`headers.mjs: ${publicDir} has no index.html; build the site first (playbook build).`);
  process.exit(2);
}

const problems = [];
const problem = (msg) => problems.push(msg);

// ---------------------------------------------------------------------------------------------
// The rules, as Netlify reads them.

// The repository root is the folder of netlify.toml; `branch` and `context` are given so that
// nothing asks git, and `offline` (with no token) so that nothing asks the Netlify API.
const root = path.dirname(configPath);
const resolved = await resolveConfig({
  config: configPath,
  repositoryRoot: root,
  cwd: root,
  context: "production",
  branch: "main",
  mode: "cli",
  offline: true,
  buffer: true,
});
for (const line of [...resolved.logs.stdout, ...resolved.logs.stderr]) {
  if (line.trim()) problem(`Netlify's parser warns: ${line.trim()}`);
}
const rules = resolved.config.headers || [];
// Netlify reads `_headers` from the publish folder it built; a `_headers` in the folder under test
// that the parser did not read would add rules this test never saw.
const headersFile = path.join(publicDir, "_headers");
if (fs.existsSync(headersFile) && path.resolve(resolved.headersPath) !== headersFile) {
  problem(`${headersFile} exists but is not the _headers file Netlify's parser read (${resolved.headersPath}): its rules are not checked`);
}
if (rules.length === 0) problem(`${configPath}: no [[headers]] rules`);

// The RegExp Netlify's headers parser builds for each rule (`forRegExp`, kept when not `minimal`).
const { headers: withRegExp, errors } = await parseAllHeaders({ configHeaders: rules, minimal: false });
for (const e of errors) problem(`Netlify's headers parser: ${e.message}`);
const netlifyRegExp = new Map(withRegExp.map((h) => [h.for, h.forRegExp]));

// ---------------------------------------------------------------------------------------------
// Netlify's path matching for `for` (docs: "Custom headers" and "Redirects: splats and
// placeholders"), written out rather than borrowed:
//   - the pattern and the path are compared segment by segment (split on `/`, empty segments
//     dropped, so a trailing slash does not matter), case-insensitively;
//   - a segment that is only `*` (a splat) matches the rest of the path, `/` included, and
//     nothing too (`/assets/*` matches `/assets/` and `/assets/a/b.js`);
//   - `:name` matches exactly one segment, whatever it is;
//   - a `*` inside a segment (`/*.svg`, `/a*b`) matches any characters, `/` included, so `/*.svg`
//     matches every path that ends in `.svg`;
//   - anything else matches itself, literally.
function matcher(pattern) {
  const parts = pattern.split("/").filter(Boolean);
  const match = (segs, i, j) => {
    if (i === parts.length) return j === segs.length;
    const p = parts[i];
    if (p === "*" && i === parts.length - 1) return true;
    if (p.startsWith(":")) return j < segs.length && match(segs, i + 1, j + 1);
    if (p.includes("*")) {
      // The rest of the path from segment j, matched against this part glued to the rest of the
      // pattern, since the `*` may run over `/`.
      const rest = segs.slice(j).join("/");
      const tail = parts.slice(i).join("/");
      return globAcrossSlashes(tail, rest);
    }
    return j < segs.length && segs[j].toLowerCase() === p.toLowerCase() && match(segs, i + 1, j + 1);
  };
  return (urlPath) => match(urlPath.split("/").filter(Boolean), 0, 0);
}
// `*` = any characters (also `/`), `:name` = one segment, the rest literal, case-insensitive.
function globAcrossSlashes(pattern, text) {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  const go = (i, j) => {
    if (i === p.length) return j === t.length;
    if (p[i] === "*") {
      for (let k = j; k <= t.length; k++) if (go(i + 1, k)) return true;
      return false;
    }
    if (p[i] === ":" && (i === 0 || p[i - 1] === "/")) {
      let e = i;
      while (e < p.length && p[e] !== "/") e++;
      let k = j;
      while (k < t.length && t[k] !== "/") k++;
      return k > j && go(e, k);
    }
    return j < t.length && p[i] === t[j] && go(i + 1, j + 1);
  };
  return go(0, 0);
}

const compiled = rules.map((r) => ({ ...r, mine: matcher(r.for), netlify: netlifyRegExp.get(r.for) }));

// ---------------------------------------------------------------------------------------------
// The site: every file, and the URLs that reach it.

const files = walk(publicDir)
  .map((f) => path.relative(publicDir, f).split(path.sep).join("/"))
  .sort();

function urlsOf(rel) {
  const urls = new Set([`/${rel}`]);
  if (rel === "index.html" || rel.endsWith("/index.html")) {
    const dir = rel.slice(0, -"index.html".length); // "" or "fr/etapes/x/"
    urls.add(`/${dir}`);
    if (dir) urls.add(`/${dir.slice(0, -1)}`);
  } else if (rel.endsWith(".html")) {
    urls.add(`/${rel.slice(0, -".html".length)}`); // Netlify serves /a.html at /a too
  }
  // The same paths percent-encoded, as a browser sends them.
  for (const u of [...urls]) urls.add(encodeURI(u));
  return [...urls];
}

// ---------------------------------------------------------------------------------------------
// The checks.

const isAsset = (rel) => rel.startsWith("assets/");
const show = (matching) => matching.map((r) => `\`${r.for}\``).join(", ");
const counts = { files: files.length, urls: 0, headerChecks: 0, perRule: new Map(rules.map((r) => [r.for, 0])), assets: 0 };

for (const rel of files) {
  if (isAsset(rel)) counts.assets++;
  const ruleHits = new Set();
  for (const url of urlsOf(rel)) {
    counts.urls++;
    const matching = [];
    for (const r of compiled) {
      const mine = r.mine(url);
      const theirs = r.netlify ? r.netlify.test(url) : mine;
      if (mine !== theirs) problem(`${url}: \`${r.for}\` ${theirs ? "matches" : "does not match"} by Netlify's RegExp ${r.netlify} but ${mine ? "matches" : "not"} by Netlify's documented rules`);
      if (mine || theirs) matching.push(r);
    }
    matching.forEach((r) => ruleHits.add(r.for));

    // Each header name from at most one matching rule.
    const setBy = new Map(); // lower-case name → [{rule, name, value}]
    for (const r of matching) {
      for (const [name, value] of Object.entries(r.values)) {
        const key = name.toLowerCase();
        if (!setBy.has(key)) setBy.set(key, []);
        setBy.get(key).push({ rule: r.for, name, value });
      }
    }
    for (const [, by] of setBy) {
      counts.headerChecks++;
      if (by.length > 1) {
        problem(`${url}: ${by[0].name} is set by ${by.length} rules: ${by.map((b) => `\`${b.rule}\` (${b.value})`).join(" and ")}`);
      }
    }
    const value = (name) => (setBy.get(name) || []).map((b) => b.value);
    const one = (name, test, what) => {
      counts.headerChecks++;
      const v = value(name);
      if (v.length === 0) problem(`${url}: no ${name} (matching rules: ${show(matching) || "none"})`);
      else if (!v.every(test)) problem(`${url}: ${name} is not ${what}: ${v.join(" | ")}`);
    };

    // Security headers, on every file.
    one("content-security-policy", (csp) => {
      const d = new Map(csp.split(";").map((s) => s.trim()).filter(Boolean).map((s) => { const [k, ...v] = s.split(/\s+/); return [k.toLowerCase(), v.join(" ")]; }));
      return d.get("default-src") === "'self'" && d.get("frame-ancestors") === "'none'" && !/unsafe|\*|https?:/i.test(csp);
    }, "the site's policy (default-src 'self', frame-ancestors 'none', nothing unsafe)");
    one("x-content-type-options", (v) => v.toLowerCase() === "nosniff", "nosniff");
    one("referrer-policy", (v) => ["same-origin", "no-referrer", "strict-origin", "strict-origin-when-cross-origin"].includes(v), "a same-origin or stricter policy");
    one("x-frame-options", (v) => v.toUpperCase() === "DENY", "DENY");
    one("permissions-policy", (v) => ["camera=()", "microphone=()", "geolocation=()"].every((f) => v.includes(f)), "denying camera, microphone and geolocation");

    // Caching: fingerprinted assets for a year, everything else revalidated.
    counts.headerChecks++;
    const cache = value("cache-control");
    const longLived = (v) => /immutable/i.test(v) || Number((v.match(/max-age=(\d+)/i) || [])[1] || 0) > 0;
    if (isAsset(rel)) {
      if (cache.length === 0) problem(`${url}: no Cache-Control rule for a fingerprinted asset (Netlify's default ${NETLIFY_DEFAULT_CACHE_CONTROL} would apply)`);
      else if (!cache.every((v) => /immutable/i.test(v) && /max-age=31536000\b/.test(v))) problem(`${url}: Cache-Control is not \`max-age=31536000, immutable\`: ${cache.join(" | ")}`);
    } else if (cache.some(longLived)) {
      problem(`${url}: cached as if fingerprinted, but it is not under /assets/: Cache-Control ${cache.join(" | ")}`);
    }
  }
  for (const f of ruleHits) counts.perRule.set(f, counts.perRule.get(f) + 1);
}

// ---------------------------------------------------------------------------------------------

const MAX = 100;
if (problems.length) {
  console.log(`${problems.length} problem${problems.length > 1 ? "s" : ""}:`);
  for (const p of problems.slice(0, MAX)) console.log(`  ✗ ${p}`);
  if (problems.length > MAX) console.log(`  … and ${problems.length - MAX} more`);
  console.log("");
}
console.log(`config:            ${configPath} (read by @netlify/config; _headers: ${fs.existsSync(resolved.headersPath) ? resolved.headersPath : "none"})`);
console.log(`rules:             ${rules.length} [[headers]]: ${rules.map((r) => `\`${r.for}\` sets ${Object.keys(r.values).join(", ")} on ${counts.perRule.get(r.for)} files`).join("; ")}`);
console.log(`files:             ${counts.files} (${counts.assets} under /assets/), ${counts.urls} URLs`);
console.log(`header checks:     ${counts.headerChecks}`);
console.log(problems.length ? `FAILED (${problems.length} problems)` : "OK: every header of every file is set by exactly one rule");
process.exit(problems.length ? 1 : 0);
