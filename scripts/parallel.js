#!/usr/bin/env node
"use strict";
// Runs npm scripts side by side (lint, tsc --noEmit and the build share two cores) and
// fails if any fails. Output is buffered per script so it never interleaves.
// Usage: node scripts/parallel.js lint typecheck build
const { spawn } = require("node:child_process");

const scripts = process.argv.slice(2);
const runs = scripts.map(
  (name) =>
    new Promise((resolve) => {
      const child = spawn("npm", ["run", "--silent", name], { stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      child.on("close", (code) => {
        process.stdout.write(`> ${name}: ${code === 0 ? "ok" : `failed (exit ${code})`}\n${output}`);
        resolve(code === 0);
      });
    }),
);
Promise.all(runs).then((ok) => {
  process.exitCode = ok.every(Boolean) ? 0 : 1;
});
