#!/usr/bin/env node
"use strict";
// Thin launcher for the CLI compiled to dist/: `prepack` builds it into the tarball; in a clone,
// `npm run build` does (`npm run demo` builds first when dist/ is stale).
const { main } = require("../dist/lib/cli/main.js");
main(process.argv.slice(2)).then((code) => {
  // An output error other than a closed pipe has already set 2 (lib/cli/io.ts); a verdict of 0 must not hide it.
  process.exitCode = code !== 0 ? code : (process.exitCode ?? 0);
});
