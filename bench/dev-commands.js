#!/usr/bin/env node
"use strict";
// The developer commands of the README's table, whole process: `npm run lint`, a clean
// `npm run build` (TypeScript 7, dist/ deleted first, as `prepack` does) and, with --test,
// the whole `npm test` (lint, typecheck and build side by side, then jest; target < 60 s on
// 2 cores). Peak memory is the largest process of the tree (GNU time).
// Usage: node bench/dev-commands.js [runs=1] [--test]
const path = require("node:path");
const { benchDate, measure, median } = require("./stats");

const root = path.join(__dirname, "..");
const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1);
const withTest = process.argv.includes("--test");
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
const mb = (values) => `${median(values).toFixed(0)} MiB`;
const when = `${runs} run${runs > 1 ? "s" : ""}, ${benchDate()}`;

const lint = measure("npm", ["run", "--silent", "lint"], { runs, cwd: root });
console.log(`npm run lint: median ${s(median(lint.wall))}, ${mb(lint.rss)}`);
console.log(`| \`npm run lint\` (eslint 9 + typescript-eslint 8 on TypeScript 5.9) | | median ${s(median(lint.wall))} wall, ${mb(lint.rss)} (${when}) | \`node bench/dev-commands.js ${runs}\` |`);

const build = measure("node", ["scripts/build.js", "--clean"], { runs, cwd: root });
console.log(`clean build: median ${s(median(build.wall))}, ${mb(build.rss)}`);
console.log(`| \`npm run build\` (TypeScript 7), clean (dist/ deleted first, as \`prepack\` does) | | median ${s(median(build.wall))} wall, ${mb(build.rss)} (${when}) | \`node bench/dev-commands.js ${runs}\` |`);

if (withTest) {
  const load = require("node:os").loadavg()[0].toFixed(1); // before: npm test itself raises it
  const test = measure("npm", ["test", "--silent"], { runs, cwd: root });
  const tests = /^Tests:\s+(.*)$/m.exec(test.output)?.[1] ?? "jest summary not found";
  const suites = /^Test Suites:\s+(.*)$/m.exec(test.output)?.[1] ?? "";
  const jest = /^Time:\s+(.*)$/m.exec(test.output)?.[1] ?? "?";
  console.log(`npm test: median ${s(median(test.wall))}, ${mb(test.rss)}; ${suites}; ${tests}; jest ${jest}`);
  console.log(
    `| whole \`npm test\` (lint, typecheck and build side by side, then jest: unit + real terraform, redis-server, openssl, README/docs replays) | < 60 s | median ${s(median(test.wall))} wall, jest ${jest} (${tests}; ${when}; load ${load} at start) | \`node bench/dev-commands.js ${runs} --test\` |`,
  );
} else {
  console.log("(whole `npm test` not measured: pass --test)");
}
