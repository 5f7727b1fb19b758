#!/usr/bin/env node
"use strict";
// Fails on any import cycle between the folders of lib/core (keyring -> material -> keyring
// is one), naming each cycle. Folders are the unit because each is one concept with its own
// tests: a cycle means neither can be understood, tested or moved without the other.
// Imports are read with the TypeScript scanner (type-only imports and require() count too).
// Usage: node scripts/check-import-cycles.js [root...]   (default: lib/core, then lib's own folders)
const fs = require("node:fs");
const path = require("node:path");
const ts = require("typescript");

/** Every .ts file under `dir` (no declarations). */
function tsFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(full));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

/** The .ts file a relative specifier names, or undefined (packages, missing files). */
function resolveRelative(fromFile, specifier) {
  if (!specifier.startsWith(".")) return undefined;
  const base = path.resolve(path.dirname(fromFile), specifier.replace(/\.js$/, ""));
  for (const candidate of [`${base}.ts`, path.join(base, "index.ts")]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The folder of `file` directly under `root` ("." for files at the root itself). */
function folderOf(root, file) {
  const rel = path.relative(root, file);
  const parts = rel.split(path.sep);
  return parts.length > 1 ? parts[0] : ".";
}

/**
 * Folder graph of `root`: folder -> Map(target folder -> first "file -> file" import seen).
 * Files at the root itself (errors.ts, base64.ts) are leaves everyone may use, so they are
 * not a node.
 */
function folderGraph(root) {
  const graph = new Map();
  for (const file of tsFiles(root)) {
    const from = folderOf(root, file);
    if (from === ".") continue;
    const info = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
    for (const ref of info.importedFiles) {
      const target = resolveRelative(file, ref.fileName);
      if (!target || path.relative(root, target).startsWith("..")) continue;
      const to = folderOf(root, target);
      if (to === "." || to === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      const edges = graph.get(from);
      if (!edges.has(to)) edges.set(to, `${path.relative(process.cwd(), file)} -> ${ref.fileName}`);
    }
  }
  return graph;
}

/** Strongly connected components with more than one folder (Tarjan), each sorted. */
function cycles(graph) {
  let index = 0;
  const stack = [];
  const meta = new Map();
  const found = [];
  const visit = (node) => {
    meta.set(node, { index, low: index, onStack: true });
    index++;
    stack.push(node);
    for (const next of (graph.get(node) ?? new Map()).keys()) {
      if (!meta.has(next)) {
        visit(next);
        meta.get(node).low = Math.min(meta.get(node).low, meta.get(next).low);
      } else if (meta.get(next).onStack) {
        meta.get(node).low = Math.min(meta.get(node).low, meta.get(next).index);
      }
    }
    if (meta.get(node).low === meta.get(node).index) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        meta.get(member).onStack = false;
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!meta.has(node)) visit(node);
  return found;
}

/** One line per import edge inside each cycle, e.g. "keyring -> material (lib/core/... -> ../material/x)". */
function describeCycles(root) {
  const graph = folderGraph(root);
  return cycles(graph).map((component) => {
    const edges = [];
    for (const from of component) {
      for (const [to, example] of graph.get(from) ?? []) {
        if (component.includes(to)) edges.push(`  ${from} -> ${to}   (${example})`);
      }
    }
    return `cycle between ${component.join(", ")}:\n${edges.join("\n")}`;
  });
}

module.exports = { describeCycles };

if (require.main === module) {
  const roots = process.argv.length > 2 ? process.argv.slice(2) : ["lib/core", "lib"];
  let failed = false;
  for (const root of roots) {
    const found = describeCycles(path.resolve(root));
    if (found.length > 0) {
      failed = true;
      console.error(`import cycles between folders of ${root}:\n${found.join("\n")}`);
    }
  }
  if (failed) {
    console.error("fix: move the shared type or function down into the folder both import");
    process.exit(1);
  }
}
