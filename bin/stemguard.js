#!/usr/bin/env node
"use strict";
// Thin launcher for the CLI compiled to dist/: `prepack` builds it into the tarball; in a clone,
// `npm run build` does (`npm run demo` builds first when dist/ is stale).
const { main } = require("../dist/lib/cli/main.js");
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
