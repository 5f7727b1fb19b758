import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";

// The lint rule set refuses upward and sideways imports between the layers of lib/ (see
// eslint.config.mjs), in import/export declarations, require(), import() and typeof import().
// Probe files are linted as text under a path in the folder; nothing is written to lib/.
const ROOT = path.join(__dirname, "../..");
const { describeCycles } = require("../../scripts/check-import-cycles") as { describeCycles(root: string): string[] };

// eslint.config.mjs is ES module code, which jest's CommonJS runtime cannot load: the probes
// are linted in one child node process with the ESLint API and the repository's config.
const LINT_PROBES = `
const { ESLint } = require("eslint");
const probes = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
(async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const { file, code } of probes) {
    const [result] = await eslint.lintText(code, { filePath: file });
    out.push(result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(2); });
`;

/** Lints every probe at once; the layering messages of each, in order. */
function lintProbes(probes: readonly { file: string; code: string }[]): string[][] {
  const run = spawnSync(process.execPath, ["-e", LINT_PROBES], {
    cwd: ROOT,
    input: JSON.stringify(probes.map((p) => ({ file: path.join(ROOT, p.file), code: p.code }))),
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`eslint probe run failed (exit ${run.status}): ${run.stderr}`);
  const results = JSON.parse(run.stdout) as { ruleId: string | null; message: string }[][];
  return results.map((messages) =>
    messages.filter((m) => m.ruleId === "no-restricted-imports" || m.ruleId === "no-restricted-syntax").map((m) => m.message),
  );
}

const REFUSED: [string, string, RegExp][] = [
  ["lib/core/keyring/probe.ts", 'import { StemSigningKeyring } from "../../aws/signing-keyring";\nexport const x = StemSigningKeyring;', /lib\/core must not import aws/],
    ["lib/core/keyring/probe.ts", 'export { reviewLedgerChange } from "../../review/ledger-review";', /lib\/core must not import .*review/],
    ["lib/core/tls/probe.ts", 'import type { Construct } from "constructs";\nexport type X = Construct;', /lib\/core stays free of cdktf/],
    ["lib/core/health/probe.ts", 'export const k = require("../../kubernetes/signing-keyring");', /lib\/core must not load .*kubernetes/],
    ["lib/core/health/probe.ts", 'export type M = typeof import("../../cli/main");', /lib\/core must not load .*cli/],
    ["lib/aws/probe.ts", 'import { STEM_TIME_ZONE } from "../kubernetes/workload-env";\nexport const z = STEM_TIME_ZONE;', /lib\/aws must not import kubernetes/],
    ["lib/kubernetes/probe.ts", 'import { keySecretName } from "../aws/names";\nexport const n = keySecretName;', /lib\/kubernetes must not import aws/],
    ["lib/review/probe.ts", 'import { StemSigningKeyring } from "../aws/signing-keyring";\nexport const x = StemSigningKeyring;', /lib\/review must not import .*aws/],
    ["lib/private/probe.ts", 'export async function f() { return import("../aws/names"); }', /lib\/private must not load aws/],
    ["lib/cli/commands/probe.ts", 'import { buildAwsFleetApp } from "../../../examples/aws-fleet/main";\nexport const b = buildAwsFleetApp;', /lib\/ must not import examples, test, bench/],
    ["lib/cli/commands/probe.ts", 'export const s = require("../../../test/support/openssl");', /lib\/ must not load examples, test, bench/],
    ["lib/aws/probe.ts", 'import * as x from "../../bench/run";\nexport const y = x;', /lib\/aws must not import examples, test, bench/],
];
const ALLOWED: [string, string][] = [
    ["lib/aws/probe.ts", 'import { granteeIdPart } from "./grantee-id";\nimport { planRoleEnv } from "../core/keyring/env-plan";\nimport { tlsPemVariableName } from "../private/tls-pem-variable";\nexport const all = [granteeIdPart, planRoleEnv, tlsPemVariableName];'],
    ["lib/kubernetes/probe.ts", 'import type { SigningLedger } from "../core/keyring/types";\nexport type L = SigningLedger;'],
    ["lib/review/probe.ts", 'import { diffLedgers } from "../core/keyring/diff-ledgers";\nexport const d = diffLedgers;'],
    ["lib/cli/commands/probe.ts", 'export const k = require("../../aws/signing-keyring");'],
    ["lib/core/drill/probe.ts", 'import { signEnvelope } from "../signing/sign";\nexport const s = signEnvelope;'],
];
const BARREL = ["lib/aws/probe.ts", 'import { provider } from "@cdktf/provider-aws";\nexport const p = provider;'] as const;

describe("lint layering", () => {
  let results: string[][];
  beforeAll(() => {
    results = lintProbes([...REFUSED, ...ALLOWED, BARREL].map(([file, code]) => ({ file, code })));
  });

  it.each(REFUSED.map((probe, i) => [...probe, i] as const))("refuses probe %# in %s", (_file, _code, expected, i) => {
    expect(results[i].length).toBeGreaterThan(0);
    expect(results[i].join("\n")).toMatch(expected);
  });

  it.each(ALLOWED.map((probe, i) => [...probe, REFUSED.length + i] as const))("allows probe %# in %s", (_file, _code, i) => {
    expect(results[i]).toEqual([]);
  });

  it("keeps the deep-import rule for provider barrels in every layer", () => {
    expect(results[REFUSED.length + ALLOWED.length].join("\n")).toMatch(/Use deep imports/);
  });
});

describe("import cycles between lib/core folders", () => {
  it("lib/core has none", () => {
    expect(describeCycles(path.join(ROOT, "lib/core"))).toEqual([]);
  });

  it("names each cycle and the imports that make it", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "sg-cycles-"));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    write("keyring/a.ts", 'import type { M } from "../material/m";\nexport type A = M;\n');
    write("material/m.ts", 'import { s } from "../stem-env/s";\nexport type M = typeof s;\n');
    write("stem-env/s.ts", 'export const s = require("../keyring/a.js");\n');
    write("signing/x.ts", 'import { s } from "../stem-env/s";\nimport { e } from "../errors";\nexport const x = [s, e];\n');
    write("errors.ts", "export const e = 1;\n");
    try {
      const cycles = describeCycles(root);
      expect(cycles).toHaveLength(1);
      expect(cycles[0]).toMatch(/^cycle between keyring, material, stem-env:/);
      expect(cycles[0]).toContain("keyring -> material");
      expect(cycles[0]).toContain("stem-env -> keyring");
      expect(cycles[0]).not.toContain("signing");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
