import tseslint from "typescript-eslint";

// Layering (README "Development"): lib/core is pure TypeScript under everything; lib/review
// sits on it; lib/private holds rules both platforms share; lib/aws and lib/kubernetes are
// siblings; lib/cli (and the demo) are on top. Nothing in lib/ reaches examples/, test/ or
// bench/: those are not in the package. Each folder's rule repeats the rules of the folders
// it is in, because a later flat-config entry replaces a rule's options, it does not add to them.
// The same folders are refused in require(), import() and `typeof import()` (no-restricted-syntax).
// No import cycles between lib/core folders: scripts/check-import-cycles.js, run by `npm run lint`.

const PROVIDER_BARRELS = [
  { name: "@cdktf/provider-aws", message: "Use deep imports (@cdktf/provider-aws/lib/<resource>)." },
  { name: "@cdktf/provider-kubernetes", message: "Use deep imports (@cdktf/provider-kubernetes/lib/<resource>)." },
];
const CDKTF = { group: ["cdktf", "cdktf/*", "@cdktf/*", "constructs"], message: "stays free of cdktf: it is the pure-TypeScript layer." };

/** A relative specifier that climbs out of the folder and enters one of `folders`. */
const upInto = (folders) => `^(\\.\\./)+(${folders.join("|")})(/|$)`;

const OUTSIDE_PACKAGE = { folders: ["examples", "test", "bench"], why: "is not in the package (files in package.json)" };
const CONSTRUCT_LAYERS = ["aws", "kubernetes", "private", "review", "cli", "demo"];

/**
 * no-restricted-imports and no-restricted-syntax options for a folder that must not import
 * any of `bans` ({ folders, why }), plus extra import patterns.
 */
function layer(folder, bans, extraPatterns = []) {
  const patterns = bans.map(({ folders, why }) => ({
    regex: upInto(folders),
    message: `${folder} must not import ${folders.join(", ")}: it ${why}.`,
  }));
  const syntax = bans.flatMap(({ folders, why }) => {
    const re = `/${upInto(folders).replace(/\//g, "\\/")}/`;
    const message = `${folder} must not load ${folders.join(", ")}: it ${why}.`;
    return [
      { selector: `CallExpression[callee.name='require'][arguments.0.value=${re}]`, message },
      { selector: `ImportExpression[source.value=${re}]`, message },
      { selector: `TSImportType[argument.literal.value=${re}]`, message },
    ];
  });
  return {
    "no-restricted-imports": ["error", { paths: PROVIDER_BARRELS, patterns: [...patterns, ...extraPatterns] }],
    "no-restricted-syntax": ["error", ...syntax],
  };
}

const libBans = [OUTSIDE_PACKAGE];
const aboveCore = { folders: CONSTRUCT_LAYERS, why: "is a layer above lib/core" };

export const LAYER_RULES = [
  { files: ["lib/**/*.ts"], rules: layer("lib/", libBans) },
  {
    files: ["lib/core/**/*.ts"],
    rules: layer("lib/core", [...libBans, aboveCore], [{ ...CDKTF, message: `lib/core ${CDKTF.message}` }]),
  },
  {
    files: ["lib/review/**/*.ts"],
    rules: layer(
      "lib/review",
      [...libBans, { folders: CONSTRUCT_LAYERS.filter((f) => f !== "review"), why: "is a construct or CLI layer above lib/review" }],
      [{ ...CDKTF, message: `lib/review ${CDKTF.message}` }],
    ),
  },
  {
    files: ["lib/private/**/*.ts"],
    rules: layer("lib/private", [...libBans, { folders: ["aws", "kubernetes", "cli", "demo"], why: "is a layer above the rules both platforms share" }]),
  },
  {
    files: ["lib/aws/**/*.ts"],
    rules: layer("lib/aws", [
      ...libBans,
      { folders: ["kubernetes"], why: "is the other platform (share code through lib/private or lib/core)" },
      { folders: ["cli", "demo"], why: "is a layer above the constructs" },
    ]),
  },
  {
    files: ["lib/kubernetes/**/*.ts"],
    rules: layer("lib/kubernetes", [
      ...libBans,
      { folders: ["aws"], why: "is the other platform (share code through lib/private or lib/core)" },
      { folders: ["cli", "demo"], why: "is a layer above the constructs" },
    ]),
  },
];

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", "cdktf.out/**", "**/*.d.ts", "**/.gen/**", "test/consumer/**/*.js"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-imports": ["error", { paths: PROVIDER_BARRELS }],
    },
  },
  ...LAYER_RULES,
  {
    // The CLI loads heavy modules inside actions with require() so `--help` stays fast.
    files: ["lib/cli/**/*.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // These tests load the CommonJS scripts they test (scripts/api-report.js, check-import-cycles.js).
    files: ["test/api/**/*.ts", "test/lint/**/*.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["bin/**/*.js", "bench/**/*.js", "scripts/**/*.js", "test/support/**/*.js", "*.js"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
