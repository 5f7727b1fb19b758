#!/usr/bin/env node
"use strict";
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci` via prepare).
const { main } = require("../dist/lib/cli/main.js");
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
