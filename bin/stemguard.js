#!/usr/bin/env node
"use strict";
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci` via prepare).
const { main } = require("../dist/lib/cli/main.js");
main(process.argv.slice(2)).then((code) => {
  // An output error other than a closed pipe has already set 2 (lib/cli/io.ts); a verdict of 0 must not hide it.
  process.exitCode = code !== 0 ? code : (process.exitCode ?? 0);
});
