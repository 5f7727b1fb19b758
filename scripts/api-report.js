#!/usr/bin/env node
"use strict";
// The public API report: for each package entry point ("stemguard", "stemguard/aws",
// "stemguard/kubernetes"), every exported name with its declaration as consumers see it,
// read with the TypeScript compiler from the built declarations (dist/lib/**/*.d.ts).
// Checked in under api/ so that every public change shows in the pull request's diff;
// test/api/api-report.test.ts fails when the built API and the report differ.
//
//   node scripts/api-report.js          write api/*.api.md from dist (npm run api builds first)
//   node scripts/api-report.js --check  exit 1 and print the difference when they differ
const fs = require("node:fs");
const path = require("node:path");
const ts = require("typescript");

const ROOT = path.resolve(__dirname, "..");
const UPDATE_COMMAND = "npm run api";

/** Entry points: package specifier, built declaration file, source entry, report file. */
const ENTRY_POINTS = [
  { specifier: "stemguard", dts: "dist/lib/index.d.ts", source: "lib/index.ts", report: "api/stemguard.api.md" },
  { specifier: "stemguard/aws", dts: "dist/lib/aws/index.d.ts", source: "lib/aws/index.ts", report: "api/aws.api.md" },
  {
    specifier: "stemguard/kubernetes",
    dts: "dist/lib/kubernetes/index.d.ts",
    source: "lib/kubernetes/index.ts",
    report: "api/kubernetes.api.md",
  },
  { specifier: "stemguard/demo", dts: "dist/lib/demo/index.d.ts", source: "lib/demo/index.ts", report: "api/demo.api.md" },
];

/** Entry declarations that are not built. (Freshness is not judged by mtimes: an incremental
 * build leaves a declaration whose source was touched but not changed as it was. npm test and
 * npm run api build first.) */
function missingDeclarations() {
  return ENTRY_POINTS.map((e) => e.dts).filter((dts) => !fs.existsSync(path.join(ROOT, dts)));
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

/** A class without its private members (they are in the .d.ts only as `private x;`). */
function publicClass(node) {
  const isPrivate = (member) =>
    (ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Private) !== 0 || (member.name && ts.isPrivateIdentifier(member.name));
  return ts.factory.updateClassDeclaration(
    node,
    node.modifiers,
    node.name,
    node.typeParameters,
    node.heritageClauses,
    node.members.filter((member) => !isPrivate(member)),
  );
}

/** The part of one export's declaration the report shows: a variable's whole statement, a class without private members. */
function reportNode(declaration) {
  let node = declaration;
  if (ts.isVariableDeclaration(node)) node = node.parent.parent;
  if (ts.isClassDeclaration(node)) node = publicClass(node);
  return node;
}

/** The printed declaration of one export. */
function printDeclaration(declaration) {
  return printer.printNode(ts.EmitHint.Unspecified, reportNode(declaration), declaration.getSourceFile()).replace(/^export declare |^export /, "");
}

/** What kind of name this is, as the report's heading says it. */
function kindOf(symbol) {
  const f = ts.SymbolFlags;
  if (symbol.flags & f.Class) return "class";
  if (symbol.flags & f.Function) return "function";
  if (symbol.flags & f.Enum) return "enum";
  if (symbol.flags & f.Variable) return "const";
  if (symbol.flags & f.Interface) return "interface";
  if (symbol.flags & f.TypeAlias) return "type";
  return "other";
}

/** Names of types declared in the package that the printed declarations use but no entry point exports. */
function unexportedReferences(checker, declarations, exported) {
  const missing = new Set();
  const visit = (node) => {
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
      let symbol = checker.getSymbolAtLocation(ts.isTypeReferenceNode(node) ? node.typeName : node.expression);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const declaration = symbol?.declarations?.[0];
      if (declaration && !ts.isTypeParameterDeclaration(declaration)) {
        const file = path.relative(ROOT, declaration.getSourceFile().fileName);
        if (file.startsWith(`dist${path.sep}lib`) && !exported.has(symbol)) missing.add(`${symbol.name} (${file.replace(/\.d\.ts$/, ".ts").replace(/^dist[\\/]/, "")})`);
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const declaration of declarations) visit(reportNode(declaration));
  return [...missing].sort();
}

let built;

/** The report text of every entry point, keyed by report path (built once per process). */
function buildReports() {
  built ??= buildReportsNow();
  return built;
}

function buildReportsNow() {
  const program = ts.createProgram(
    ENTRY_POINTS.map((e) => path.join(ROOT, e.dts)),
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true, noEmit: true, types: [] },
  );
  const checker = program.getTypeChecker();
  const entries = ENTRY_POINTS.map((entry) => {
    const file = program.getSourceFile(path.join(ROOT, entry.dts));
    if (!file) throw new Error(`${entry.dts} is missing: run npm run build`);
    const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(file)).map((exp) => {
      const target = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      return { name: exp.name, target };
    });
    return { entry, exports };
  });
  const exported = new Set(entries.flatMap((e) => e.exports.map((x) => x.target)));
  const reports = new Map();
  for (const { entry, exports } of entries) {
    const lines = [
      `# API report: \`${entry.specifier}\``,
      "",
      `Every name that \`${entry.specifier}\` exports (\`${entry.source}\`), with its declaration as`,
      "consumers see it in the built `.d.ts` (doc comments and private members left out).",
      `Generated: do not edit. After a deliberate API change run \`${UPDATE_COMMAND}\` and commit the result.`,
      "",
    ];
    const allDeclarations = [];
    for (const { name, target } of [...exports].sort((a, b) => a.name.localeCompare(b.name))) {
      const kind = kindOf(target);
      const declarations = (target.declarations ?? []).filter((d) => !ts.isModuleDeclaration(d) || kind === "other");
      allDeclarations.push(...declarations);
      const alias = name === target.name ? "" : ` (exported as \`${name}\`, declared as \`${target.name}\`)`;
      lines.push(`## ${kind} \`${name}\`${alias}`, "", "```ts", ...declarations.map(printDeclaration), "```", "");
    }
    const missing = unexportedReferences(checker, allDeclarations, exported);
    lines.push("## Types used above that no entry point exports", "");
    lines.push(...(missing.length === 0 ? ["(none)"] : missing.map((m) => `- ${m}`)), "");
    reports.set(entry.report, lines.join("\n"));
  }
  return reports;
}

/** Names the report lists as run-time values (classes, functions, consts), sorted. */
function runtimeNamesInReport(text) {
  return [...text.matchAll(/^## (class|function|enum|const) `([^`]+)`/gm)].map((m) => m[2]).sort();
}

/** Differences between the built API and the checked-in reports, one message per report. */
function compareReports() {
  const missing = missingDeclarations();
  if (missing.length > 0) return [`${missing.join(", ")} not built: run npm run build (npm test builds first)`];
  const problems = [];
  for (const [report, text] of buildReports()) {
    const file = path.join(ROOT, report);
    const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    if (current !== text) problems.push(`${report} differs from the built API (dist/, as npm run build last wrote it):\n${lineDiff(current, text)}`);
  }
  return problems;
}

/** A short line diff: lines only in the checked-in report (-) and only in the built API (+). */
function lineDiff(before, after) {
  const a = before.split("\n");
  const b = after.split("\n");
  const inB = new Set(b);
  const inA = new Set(a);
  const out = [...a.filter((l) => !inB.has(l)).map((l) => `- ${l}`), ...b.filter((l) => !inA.has(l)).map((l) => `+ ${l}`)];
  return (out.length > 40 ? [...out.slice(0, 40), `... ${out.length - 40} more lines`] : out).join("\n");
}

module.exports = { ENTRY_POINTS, UPDATE_COMMAND, buildReports, compareReports, runtimeNamesInReport };

if (require.main === module) {
  if (process.argv.includes("--check")) {
    const problems = compareReports();
    if (problems.length > 0) {
      console.error(`${problems.join("\n\n")}\n\nfix: if the change is deliberate, run \`${UPDATE_COMMAND}\` and commit api/`);
      process.exit(1);
    }
    console.log("api: reports match the built declarations");
  } else {
    const missing = missingDeclarations();
    if (missing.length > 0) {
      console.error(`api: ${missing.join(", ")} not built: run npm run build first (npm run api does)`);
      process.exit(1);
    }
    fs.mkdirSync(path.join(ROOT, "api"), { recursive: true });
    for (const [report, text] of buildReports()) {
      fs.writeFileSync(path.join(ROOT, report), text);
      console.log(`api: wrote ${report} (${runtimeNamesInReport(text).length} run-time exports)`);
    }
  }
}
