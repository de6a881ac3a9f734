// Fails when the JavaScript of the first load (the entry chunk and every chunk it imports statically, as
// index.html names them) is over the gzipped budget. Lazy chunks (task page, xterm.js, Chart.js) are listed
// but do not count: the browser fetches them only when they are used.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

// SIZE_BUDGET_KB only exists to prove the check fails (e.g. SIZE_BUDGET_KB=10 npm run size); the budget is 300 KB.
const BUDGET = Number(process.env.SIZE_BUDGET_KB ?? "300") * 1024;
const dist = new URL("../dist/", import.meta.url).pathname;
let html;
try {
  html = readFileSync(join(dist, "index.html"), "utf8");
} catch {
  console.error("size: dist/index.html is missing; run `npm run build` first");
  process.exit(2);
}

const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

// Entry scripts and their modulepreloads: exactly what the first load fetches.
const initial = new Set(
  [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="\.?\/?([^"]+\.js)"/g)].map((m) => m[1]),
);
const all = readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".js")).map((f) => `assets/${f}`);

let first = 0;
let lazy = 0;
for (const file of all.sort()) {
  const size = gz(file);
  const isInitial = initial.has(file);
  if (isInitial) {
    first += size;
  } else {
    lazy += size;
  }
  console.log(`${isInitial ? "first load" : "lazy      "}  ${kb(size).padStart(9)}  ${file}`);
}
if (initial.size === 0) {
  console.error("size: found no entry script in dist/index.html");
  process.exit(2);
}
console.log(`first-load JavaScript: ${kb(first)} gzipped (budget ${kb(BUDGET)}); lazy chunks: ${kb(lazy)} gzipped`);
if (first > BUDGET) {
  console.error(`size: first load is ${kb(first - BUDGET)} over the budget`);
  process.exit(1);
}
