/*
 * Real Terraform (no Kubernetes provider needed): the synthesized variable
 * blocks and data_wo expressions are evaluated by the terraform binary with
 * real key material, and compared byte for byte with the env stemguard's core
 * renders for Stem.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { planRoleEnv, resolveRoleEnv } from "../../lib/core/keyring/env-plan";
import type { Role, SigningLedger } from "../../lib/core/keyring/types";
import { materialFieldBase64, materialSecretJson } from "../../lib/core/material/encode";
import { generateKeyMaterial } from "../../lib/core/material/generate";
import type { KeyMaterial } from "../../lib/core/material/types";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { applyTlsStep, initTlsLedger } from "../../lib/core/tls/ca-ledger";
import { StemTlsBundles } from "../../lib/kubernetes/tls-bundles";
import { byName, keyringStack, rotation, synthJson, type SynthJson } from "./fixtures";

const SENTINEL = "SENTINEL-do-not-leak";
const terraform = findTerraform();
const run = terraform ? test : test.skip;
if (!terraform) console.warn("SKIP: terraform not on PATH; the Kubernetes material-input checks against real Terraform did not run");

function findTerraform(): string | undefined {
  const found = spawnSync("terraform", ["version"], { encoding: "utf8" });
  return found.status === 0 ? "terraform" : undefined;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function workdir(config: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-k8s-tf-"));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config, null, 2));
  fs.writeFileSync(path.join(dir, "empty.tfrc"), "");
  return dir;
}

function tf(dir: string, args: string[], vars: Record<string, string> = {}) {
  const result = spawnSync(terraform!, args, {
    cwd: dir,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      TF_CLI_CONFIG_FILE: path.join(dir, "empty.tfrc"),
      CHECKPOINT_DISABLE: "1",
      TF_IN_AUTOMATION: "1",
      NO_COLOR: "1",
      ...vars,
    },
  });
  // Terraform wraps diagnostics at ~80 columns; assertions match on single-spaced text.
  return { status: result.status, stdout: result.stdout, out: `${result.stdout}${result.stderr}`.replace(/\s+/g, " ") };
}

function init(dir: string): void {
  const r = tf(dir, ["init", "-input=false", "-no-color"]);
  if (r.status !== 0) throw new Error(r.out);
}

/** TF_VAR_ inputs exactly as the CLI must print them: the full per-key document. */
function tfVars(materials: readonly KeyMaterial[], prefix = "stem_signing"): Record<string, string> {
  return Object.fromEntries(materials.map((m) => [`TF_VAR_${prefix}_key_${m.id}`, materialSecretJson(m)]));
}

/** The keyring's variables, made non-ephemeral so a test config may output what they feed. */
function plainVariables(json: SynthJson): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(json.variable ?? {}).map(([name, body]) => {
      const { ephemeral: _e, sensitive: _s, ...rest } = body;
      return [name, rest];
    }),
  );
}

const ROLES: Role[] = ["producer", "worker", "beat"];

function expectedEnv(ledger: SigningLedger, role: Role, materials: readonly KeyMaterial[]): Record<string, string> {
  const byId = new Map(materials.map((m) => [m.id, m]));
  return resolveRoleEnv(planRoleEnv(ledger, role), (ref) => materialFieldBase64(byId.get(ref.keyId)!, ref.field));
}

describe("material inputs with real Terraform", () => {
  const cases: [string, SigningLedger][] = [
    ["HMAC staged", rotation("hmac-sha256").staged],
    ["Ed25519 activated", rotation("ed25519").activated],
    ["Ed25519 verify-only staged", rotation("ed25519", { verifyOnlyWorkers: true }).staged],
  ];

  /**
   * The three cases as child modules of one root (each module is the test
   * config a case used to get: the keyring's variables and the data_wo
   * expressions as outputs, verbatim), so one init, apply and output serve
   * them all.
   */
  let evaluated: { applied: ReturnType<typeof tf>; values: Record<string, { value: Record<string, string> }>; materials: KeyMaterial[][] } | undefined;
  function evaluateCases() {
    if (evaluated) return evaluated;
    const root = { variable: {} as Record<string, unknown>, module: {} as Record<string, unknown>, output: {} as Record<string, unknown> };
    const files: Record<string, unknown> = {};
    let vars: Record<string, string> = {};
    const materials = cases.map(([, ledger], i) => {
      const name = `case${i}`;
      const caseMaterials = ledger.keys.map((k) => generateKeyMaterial(ledger.algorithm, k.id));
      const json = synthJson(keyringStack(ledger).stack);
      const secrets = byName(json, "kubernetes_secret_v1");
      const output: Record<string, { value: unknown }> = {};
      for (const role of ROLES) output[role] = { value: secrets[`stem-signing-${role}`].data_wo };
      const variables = plainVariables(json);
      files[name] = { variable: variables, output };
      const call: Record<string, string> = { source: `./${name}` };
      for (const [variable, body] of Object.entries(variables)) {
        // The validation stays in the module, where it names its own variable.
        const { validation: _validation, ...declaration } = body as Record<string, unknown>;
        root.variable[`${name}__${variable}`] = declaration;
        call[variable] = `\${var.${name}__${variable}}`;
      }
      root.module[name] = call;
      for (const role of ROLES) root.output[`${name}__${role}`] = { value: `\${module.${name}.${role}}` };
      vars = { ...vars, ...tfVars(caseMaterials, `${name}__stem_signing`) };
      return caseMaterials;
    });
    const dir = workdir(root);
    for (const [name, config] of Object.entries(files)) {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, "main.tf.json"), JSON.stringify(config, null, 2));
    }
    init(dir);
    const applied = tf(dir, ["apply", "-auto-approve", "-input=false", "-no-color"], vars);
    const values = JSON.parse(tf(dir, ["output", "-json"]).stdout) as Record<string, { value: Record<string, string> }>;
    return (evaluated = { applied, values, materials });
  }

  run.each(cases.map(([label, ledger], i) => [label, ledger, i] as const))(
    "%s: data_wo evaluates to the env Stem expects, byte for byte",
    (_label, ledger, i) => {
      const { applied, values, materials } = evaluateCases();
      expect(applied.out).toContain("Apply complete!");
      for (const role of ROLES) {
        expect(values[`case${i}__${role}`].value).toEqual(expectedEnv(ledger, role, materials[i]));
      }
    },
  );

  run("the synthesized ephemeral variables validate, plan, and stay out of the saved plan", () => {
    const ledger = rotation("ed25519").staged;
    const materials = ledger.keys.map((k) => generateKeyMaterial(ledger.algorithm, k.id));
    const json = synthJson(keyringStack(ledger).stack);
    const secrets = byName(json, "kubernetes_secret_v1");
    // Locals may hold ephemeral values, as write-only arguments may: the same expressions, without the provider.
    const locals = Object.fromEntries(ROLES.map((role) => [role, secrets[`stem-signing-${role}`].data_wo]));
    const material = materials.flatMap((m) => (m.algorithm === "ed25519" ? [materialFieldBase64(m, "publicKey"), materialFieldBase64(m, "seed")] : []));

    const ephemeralDir = workdir({ variable: json.variable, locals });
    init(ephemeralDir);
    expect(tf(ephemeralDir, ["validate", "-no-color"]).out).toContain("The configuration is valid");
    const planned = tf(ephemeralDir, ["plan", "-input=false", "-no-color", "-out=phase.tfplan"], tfVars(materials));
    expect(planned.status).toBe(0);
    const shown = tf(ephemeralDir, ["show", "-json", "phase.tfplan"]).out;
    expect(shown).toContain('"format_version"');
    for (const value of material) expect(shown).not.toContain(value);

    // Control: the same plan with plain variables does store the material, so the check above can fail.
    const plainDir = workdir({ variable: plainVariables(json), output: { keep: { value: "${var.stem_signing_key_k1}" } } });
    init(plainDir);
    expect(tf(plainDir, ["plan", "-input=false", "-no-color", "-out=phase.tfplan"], tfVars(materials)).status).toBe(0);
    expect(tf(plainDir, ["show", "-json", "phase.tfplan"]).out).toContain(materialFieldBase64(materials[0], "publicKey"));
  });

  run("fails plan with the rule's message, not the value, when a document is missing or malformed", () => {
    const ledger = rotation("ed25519").staged;
    const json = synthJson(keyringStack(ledger).stack);
    const dir = workdir({ variable: json.variable });
    init(dir);
    const [k1] = ledger.keys.map((k) => generateKeyMaterial(ledger.algorithm, k.id));

    const missing = tf(dir, ["plan", "-input=false", "-no-color"], { TF_VAR_stem_signing_key_k1: materialSecretJson(k1) });
    expect(missing.status).not.toBe(0);
    expect(missing.out).toMatch(/"stem_signing_key_k2" is not set/);

    const bad = tf(dir, ["plan", "-input=false", "-no-color"], {
      TF_VAR_stem_signing_key_k1: JSON.stringify({ publicKey: SENTINEL }), // no seed, bad public key
      TF_VAR_stem_signing_key_k2: `${SENTINEL}{not json`,
    });
    expect(bad.status).not.toBe(0);
    expect(bad.out).toContain('Stem signing key "k1": the value must be a JSON object whose "seed" is standard padded base64 of the 32-byte Ed25519 seed');
    expect(bad.out).toContain('Stem signing key "k1": the value must be a JSON object whose "publicKey"');
    expect(bad.out).toContain('Stem signing key "k2": the value must be a JSON object whose "publicKey"');
    expect(bad.out).not.toContain(SENTINEL);
  });

  run("the base64 rules accept exactly what Stem accepts for each length (real Terraform regex)", () => {
    const json = synthJson(keyringStack(rotation("hmac-sha256").init).stack);
    const [secretRule] = json.variable!.stem_signing_key_k1.validation as { condition: string; error_message: string }[];
    const edJson = synthJson(keyringStack(rotation("ed25519").init).stack);
    const [seedRule] = edJson.variable!.stem_signing_key_k1.validation as { condition: string; error_message: string }[];
    const samples: [string, string, string, boolean][] = []; // [name, rule kind, value, accepted]
    const b64 = (n: number, fill = 0xa7) => Buffer.alloc(n, fill).toString("base64");
    for (const n of [0, 16, 31, 32, 33, 34, 35, 48, 64]) samples.push([`hmac_${n}`, "secret", b64(n), n >= 32]);
    for (const n of [31, 32, 33, 64]) samples.push([`ed_${n}`, "seed", b64(n), n === 32]);
    // Non-zero trailing bits before '=' (Stem's decoder refuses them) and the URL-safe alphabet.
    const canonical = b64(32);
    samples.push(["hmac_trailing_bits", "secret", `${canonical.slice(0, 42)}B=`, false]);
    samples.push(["ed_urlsafe", "seed", Buffer.alloc(32, 0xfb).toString("base64url") + "=", false]);
    samples.push(["hmac_unpadded", "secret", b64(32).replace(/=+$/, ""), false]);

    const variable: Record<string, unknown> = {};
    const vars: Record<string, string> = {};
    for (const [name, kind, value] of samples) {
      const rule = kind === "secret" ? secretRule : seedRule;
      variable[name] = {
        type: "string",
        validation: [{ condition: rule.condition.replace("var.stem_signing_key_k1", `var.${name}`), error_message: `rejected ${name}.` }],
      };
      vars[`TF_VAR_${name}`] = JSON.stringify({ [kind]: value });
    }
    const dir = workdir({ variable });
    init(dir);
    const out = tf(dir, ["plan", "-input=false", "-no-color"], vars).out;
    const rejected = samples.filter(([name]) => out.includes(`rejected ${name}.`)).map(([name]) => name);
    expect(rejected.sort()).toEqual(samples.filter(([, , , ok]) => !ok).map(([name]) => name).sort());
  });
});

describe("TLS inputs with the TLS ledger, in real Terraform", () => {
  const fp = (byte: string) => Array.from({ length: 32 }, () => byte).join(":");
  const CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUTEST\n-----END CERTIFICATE-----";

  /** The variables and data_wo expressions of a stage-ca phase (only the trust bundle changes), as locals. */
  function stagedTlsDir(): string {
    const first = initTlsLedger("ca-2026", fp("AA"), { serverFingerprint256: fp("A1"), clientFingerprint256: fp("A2") });
    const staged = applyTlsStep(first, { op: "stage-ca", caId: "ca-2027", caFingerprint256: fp("BB") });
    const stack = new TerraformStack(Testing.app(), "test");
    new KubernetesProvider(stack, "kubernetes", { configPath: "~/.kube/config" });
    new StemTlsBundles(stack, "Tls", { namespace: "stem", ledger: staged });
    const json = synthJson(stack);
    const secrets = byName(json, "kubernetes_secret_v1");
    const locals = Object.fromEntries(["ca", "server", "client"].map((b) => [b, secrets[`stem-tls-${b}`].data_wo]));
    const dir = workdir({ variable: json.variable, locals });
    init(dir);
    return dir;
  }

  run("stage-ca plans with the trust bundle alone; without it, or with a key where a certificate belongs, it fails without echoing", () => {
    const dir = stagedTlsDir();
    const ok = tf(dir, ["plan", "-input=false", "-no-color"], { TF_VAR_stem_tls_ca_bundle: CERT });
    expect(ok.out).toContain("No changes");
    expect(ok.status).toBe(0);
    const missing = tf(dir, ["plan", "-input=false", "-no-color"]);
    expect(missing.status).not.toBe(0);
    expect(missing.out).toMatch(/No value for required variable .*stem_tls_ca_bundle/);
    const wrong = tf(dir, ["plan", "-input=false", "-no-color"], { TF_VAR_stem_tls_ca_bundle: CERT, TF_VAR_stem_tls_client_key: `${CERT}\n${SENTINEL}` });
    expect(wrong.status).not.toBe(0);
    expect(wrong.out).toContain("the value must be the PEM text of the client private key (PEM) (value not shown)");
    expect(wrong.out).not.toContain(SENTINEL);
  });
});
