import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { serializeLedger } from "../../lib/core/keyring/ledger-file";
import { applyStep, initLedger } from "../../lib/core/keyring/steps";
import type { SigningLedger } from "../../lib/core/keyring/types";
import { StemSigningKeyring } from "../../lib/kubernetes/signing-keyring";
import { materialFieldBase64, materialSecretJson } from "../../lib/core/material/encode";
import { generateKeyMaterial } from "../../lib/core/material/generate";
import { byName, keyringStack, rotation, synthJson } from "./fixtures";

/** Every file under `dir`, concatenated. */
function readTree(dir: string): string {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8"))
    .join("\n");
}

const ref = (key: string, field: string) => `\${jsondecode(var.stem_signing_key_${key}).${field}}`;

describe("StemSigningKeyring", () => {
  test("creates one Secret per role, written with data_wo from the material inputs (HMAC)", () => {
    const { stack } = keyringStack(rotation("hmac-sha256").staged);
    const synth = Testing.synth(stack, true);
    for (const role of ["producer", "worker", "beat"]) {
      expect(synth).toHaveResourceWithProperties(SecretV1, {
        metadata: {
          name: `stem-signing-${role}`,
          namespace: "stem",
          labels: { "app.kubernetes.io/managed-by": "stemguard", "stemguard.io/role": role },
          annotations: { "stemguard.io/keyring-revision": "2" },
        },
        type: "Opaque",
        // Exact expressions: token helpers, not an escaped "$${...}" literal.
        data_wo: {
          STEM_SIGNING_ALGORITHM: "hmac-sha256",
          STEM_SIGNING_KEYS: `k1:${ref("k1", "secret")},k2:${ref("k2", "secret")}`,
          STEM_SIGNING_ACTIVE_KEY: "k1",
        },
        data_wo_revision: 2,
      });
    }
    expect(synth).not.toContain("$${");
    expect(synth).not.toMatch(/"data"\s*:/); // never the stateful `data` argument
  });

  test("Ed25519: every role, workers included, gets PRIVATE_KEYS and ACTIVE_KEY so workers can re-sign retries", () => {
    const json = synthJson(keyringStack(rotation("ed25519").staged).stack);
    const secrets = byName(json, "kubernetes_secret_v1");
    for (const role of ["producer", "worker", "beat"]) {
      expect(secrets[`stem-signing-${role}`].data_wo).toEqual({
        STEM_SIGNING_ALGORITHM: "ed25519",
        STEM_SIGNING_PUBLIC_KEYS: `k1:${ref("k1", "publicKey")},k2:${ref("k2", "publicKey")}`,
        STEM_SIGNING_PRIVATE_KEYS: `k1:${ref("k1", "seed")}`,
        STEM_SIGNING_ACTIVE_KEY: "k1",
      });
    }
  });

  test("Ed25519 with verifyOnlyWorkers: workers get public keys only, signers still sign", () => {
    const { stack, keyring } = keyringStack(rotation("ed25519", { verifyOnlyWorkers: true }).activated);
    const secrets = byName(synthJson(stack), "kubernetes_secret_v1");
    expect(secrets["stem-signing-worker"].data_wo).toEqual({
      STEM_SIGNING_ALGORITHM: "ed25519",
      STEM_SIGNING_PUBLIC_KEYS: `k1:${ref("k1", "publicKey")},k2:${ref("k2", "publicKey")}`,
    });
    expect(secrets["stem-signing-producer"].data_wo).toMatchObject({
      STEM_SIGNING_PRIVATE_KEYS: `k2:${ref("k2", "seed")}`,
      STEM_SIGNING_ACTIVE_KEY: "k2",
    });
    expect(keyring.variableNames("worker")).toEqual(["STEM_SIGNING_ALGORITHM", "STEM_SIGNING_PUBLIC_KEYS"]);
  });

  test("data_wo_revision is the role's keyring revision in every phase", () => {
    const r = rotation("ed25519", { verifyOnlyWorkers: true });
    const revisions = (ledger: SigningLedger) => {
      const secrets = byName(synthJson(keyringStack(ledger).stack), "kubernetes_secret_v1");
      return Object.fromEntries(Object.entries(secrets).map(([name, body]) => [name, body.data_wo_revision]));
    };
    expect(revisions(r.init)).toEqual({ "stem-signing-producer": 1, "stem-signing-worker": 1, "stem-signing-beat": 1 });
    expect(revisions(r.staged)).toEqual({ "stem-signing-producer": 2, "stem-signing-worker": 2, "stem-signing-beat": 2 });
    // Verify-only workers trust k1 and k2 both before and after activation: their Secret is not rewritten.
    expect(revisions(r.activated)).toEqual({ "stem-signing-producer": 3, "stem-signing-worker": 2, "stem-signing-beat": 3 });
    expect(revisions(r.retired)).toEqual({ "stem-signing-producer": 4, "stem-signing-worker": 4, "stem-signing-beat": 4 });
    // A worker-mode step rewrites (and rolls) only the workers' Secret: without the bump the provider would keep the old env.
    const signing = applyStep(r.retired, "sign-workers", "k2");
    expect(revisions(signing)).toEqual({ "stem-signing-producer": 4, "stem-signing-worker": 5, "stem-signing-beat": 4 });
    expect(keyringStack(signing).keyring.variableNames("worker")).toContain("STEM_SIGNING_PRIVATE_KEYS");
  });

  test("declares one ephemeral, sensitive variable per non-retired key, validating only the fields the phase reads", () => {
    const { stack, keyring } = keyringStack(rotation("ed25519").activated);
    const json = synthJson(stack);
    expect(Object.keys(json.variable ?? {})).toEqual(["stem_signing_key_k1", "stem_signing_key_k2"]);
    const k1 = json.variable!.stem_signing_key_k1;
    expect(k1).toMatchObject({ type: "string", sensitive: true, ephemeral: true });
    expect(k1.default).toBeUndefined(); // required: Terraform refuses to plan without it
    expect(k1.validation).toEqual([
      {
        condition: '${can(regex("^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$", jsondecode(var.stem_signing_key_k1).publicKey))}',
        error_message: 'Stem signing key "k1": the value must be a JSON object whose "publicKey" is standard padded base64 of the 32-byte Ed25519 public key (value not shown).',
      },
    ]);
    expect((json.variable!.stem_signing_key_k2.validation as unknown[]).length).toBe(2); // seed + publicKey
    expect(keyring.materialInputs.map((m) => [m.envVarName, m.fields])).toEqual([
      ["TF_VAR_stem_signing_key_k1", ["publicKey"]],
      ["TF_VAR_stem_signing_key_k2", ["seed", "publicKey"]],
    ]);

    const retired = synthJson(keyringStack(rotation("ed25519").retired).stack);
    expect(Object.keys(retired.variable ?? {})).toEqual(["stem_signing_key_k2"]); // k1's material is never asked for again
  });

  test("matches the snapshot of its default configuration, which holds no material", () => {
    const { stack } = keyringStack(initLedger("hmac-sha256", "k1"));
    const synth = Testing.synth(stack, true);
    expect(synth).not.toMatch(/[A-Za-z0-9+/]{43}=/); // no base64 key-sized value anywhere
    expect(synth).toMatchSnapshot();
  });

  test("never synthesizes material, wherever a caller could have put it", () => {
    // GIVEN material in every place a caller could have it at synth time: TF_VAR_ inputs and Stem env in
    // the process, a material file next to the ledger, and a real key's base64.
    const SENTINEL = "SENTINEL-do-not-leak";
    const material = generateKeyMaterial("ed25519", "k2");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-k8s-leak-"));
    const ledgerFile = path.join(dir, "stemguard.rotation.json");
    fs.writeFileSync(ledgerFile, serializeLedger(rotation("ed25519").activated));
    fs.writeFileSync(path.join(dir, "k1.key.json"), JSON.stringify({ seed: SENTINEL }), { mode: 0o600 });
    const saved = { ...process.env };
    process.env.TF_VAR_stem_signing_key_k1 = JSON.stringify({ seed: SENTINEL, publicKey: SENTINEL });
    process.env.TF_VAR_stem_signing_key_k2 = materialSecretJson(material);
    process.env.STEM_SIGNING_PRIVATE_KEYS = `k1:${SENTINEL}`;
    try {
      // WHEN the keyring and its workload fragments are synthesized to disk
      const app = Testing.app({ stackTraces: false });
      const stack = new TerraformStack(app, "leak");
      new KubernetesProvider(stack, "kubernetes", {});
      const keyring = new StemSigningKeyring(stack, "Keyring", { ledgerFile, namespace: "stem" });
      const fragments = JSON.stringify([keyring.containerEnv("worker"), keyring.podAnnotations("worker"), keyring.materialInputs.map(({ variable: _v, ...m }) => m)]);
      app.synth();
      const written = readTree(app.outdir);
      // THEN no sentinel and no material byte string appears in the synth, the fragments or the files
      const secrets = [SENTINEL, materialFieldBase64(material, "seed"), materialFieldBase64(material, "publicKey")];
      for (const text of [Testing.synth(stack), fragments, written]) {
        for (const secret of secrets) expect(text).not.toContain(secret);
      }
      expect(written).toContain("stem_signing_key_k2"); // the check read the real output
    } finally {
      process.env = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("construct IDs and Terraform addresses are a stable contract", () => {
    const { stack } = keyringStack(rotation("hmac-sha256").staged);
    const json = synthJson(stack);
    expect(Object.keys(json.resource!.kubernetes_secret_v1).sort()).toEqual([
      "Keyring_Beat_D760F81F",
      "Keyring_Producer_247E6E17",
      "Keyring_Worker_1CF116A6",
    ]);
    expect(Object.keys(json.variable!)).toEqual(["stem_signing_key_k1", "stem_signing_key_k2"]);
    expect(stack.node.findChild("Keyring").node.children.map((c) => c.node.id)).toEqual(["Producer", "Worker", "Beat"]);
  });

  test("reads the ledger from ledgerFile", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-k8s-"));
    const file = path.join(dir, "stemguard.rotation.json");
    fs.writeFileSync(file, serializeLedger(rotation("hmac-sha256").activated));
    const stack = new TerraformStack(Testing.app(), "test");
    new KubernetesProvider(stack, "kubernetes", {});
    const keyring = new StemSigningKeyring(stack, "Keyring", { ledgerFile: file, namespace: "stem" });
    expect(keyring.ledger.phase).toBe(3);
    expect(keyring.revision("producer")).toBe(3);
  });

  test("only the listed roles get a Secret and only their keys are asked for", () => {
    const { stack, keyring } = keyringStack(rotation("ed25519", { verifyOnlyWorkers: true }).staged, { roles: ["worker"], namePrefix: "orders-signing" });
    const json = synthJson(stack);
    expect(Object.keys(byName(json, "kubernetes_secret_v1"))).toEqual(["orders-signing-worker"]);
    expect(Object.keys(json.variable!)).toEqual(["orders_signing_key_k1", "orders_signing_key_k2"]);
    expect(keyring.materialInputs.every((m) => m.fields.join() === "publicKey")).toBe(true);
  });

  test("keyrings with one prefix in one stack share material inputs", () => {
    const ledger = rotation("hmac-sha256").staged;
    const { stack } = keyringStack(ledger, { roles: ["producer"] });
    new StemSigningKeyring(stack, "Eu", { ledger, namespace: "stem-eu" });
    const json = synthJson(stack);
    expect(Object.keys(json.variable!)).toEqual(["stem_signing_key_k1", "stem_signing_key_k2"]);
    expect(json.variable!.stem_signing_key_k1.validation).toHaveLength(1); // not declared twice
    expect(Object.keys(json.resource!.kubernetes_secret_v1)).toHaveLength(4);
  });

  test("accepts a namespace token and references it", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    new KubernetesProvider(stack, "kubernetes", {});
    const ns = new TerraformVariable(stack, "ns", { type: "string" });
    new StemSigningKeyring(stack, "Keyring", { ledger: initLedger("hmac-sha256", "k1"), namespace: ns.stringValue });
    const secrets = byName(synthJson(stack), "kubernetes_secret_v1");
    expect((secrets["stem-signing-worker"].metadata as { namespace: string }).namespace).toBe("${var.ns}");
  });

  describe("validation", () => {
    const stack = () => {
      const s = new TerraformStack(Testing.app(), "test");
      new KubernetesProvider(s, "kubernetes", {});
      return s;
    };
    const ledger = initLedger("hmac-sha256", "k1");

    test("fails when neither or both of ledger and ledgerFile are given", () => {
      expect(() => new StemSigningKeyring(stack(), "K", { namespace: "stem" })).toThrow(
        /test\/K props\.ledger: give exactly one of ledger and ledgerFile \(got "neither"\)\. Fix: pass ledgerFile/,
      );
      expect(() => new StemSigningKeyring(stack(), "K", { ledger, ledgerFile: "x.json", namespace: "stem" })).toThrow(/\(got "both"\)/);
    });

    test("fails on a ledger whose key changed state outside a step, naming the key and the fix", () => {
      const forged = { ...ledger, keys: [{ id: "k1", algorithm: "hmac-sha256", state: "active" }, { id: "k2", algorithm: "hmac-sha256", state: "staged" }] } as SigningLedger;
      expect(() => new StemSigningKeyring(stack(), "K", { ledger: forged, namespace: "stem" })).toThrow(
        /props\.ledger: keys: keys do not match what history yields \(k1=active\).*k2=staged.*Fix: change key states only with 'stemguard rotate/,
      );
    });

    test("fails on a ledger with two active keys", () => {
      const two = { ...ledger, keys: [ledger.keys[0], { id: "k2", algorithm: "hmac-sha256", state: "active" }] } as SigningLedger;
      expect(() => new StemSigningKeyring(stack(), "K", { ledger: two, namespace: "stem" })).toThrow(/exactly one key must be active \(got \["k1","k2"\]\)/);
    });

    test("fails on a ledger without keys", () => {
      const empty: SigningLedger = { schemaVersion: 1, kind: "stemguard.signing-keyring", phase: 0, algorithm: "ed25519", keys: [], history: [] };
      expect(() => new StemSigningKeyring(stack(), "K", { ledger: empty, namespace: "stem" })).toThrow(/phase must be a whole number >= 1 .*\(got 0\)\. Fix: delete the file and run 'stemguard rotate init <key-id>'/);
    });

    test("fails on a missing ledgerFile", () => {
      expect(() => new StemSigningKeyring(stack(), "K", { ledgerFile: "/nonexistent/stemguard.rotation.json", namespace: "stem" })).toThrow(
        /test\/K props\.ledgerFile: ledger file does not exist \(got "\/nonexistent\/stemguard\.rotation\.json"\)\. Fix: create it with 'stemguard rotate init/,
      );
    });

    test("fails on an invalid namespace, namePrefix or label", () => {
      expect(() => new StemSigningKeyring(stack(), "K", { ledger, namespace: "Stem_Prod" })).toThrow(/props\.namespace: namespace must be a DNS label.*\(got "Stem_Prod"\)/);
      expect(() => new StemSigningKeyring(stack(), "K", { ledger, namespace: "stem", namePrefix: "9signing" })).toThrow(/props\.namePrefix: namePrefix must start with a lowercase letter/);
      expect(() => new StemSigningKeyring(stack(), "K", { ledger, namespace: "stem", namePrefix: "a".repeat(55) })).toThrow(/at most 54 characters/);
      expect(() => new StemSigningKeyring(stack(), "K", { ledger, namespace: "stem", labels: { team: "has space" } })).toThrow(/props\.labels\.team: label value/);
      expect(() => new StemSigningKeyring(stack(), "K", { ledger, namespace: "stem", labels: { "stemguard.io/role": "x" } })).toThrow(
        /this label is set by the keyring.*Fix: remove "stemguard\.io\/role"/,
      );
    });

    test("fails on empty, unknown or repeated roles", () => {
      expect(() => new StemSigningKeyring(stack(), "K", { ledger, namespace: "stem", roles: [] })).toThrow(/roles must not be empty/);
      expect(() => new StemSigningKeyring(stack(), "K", { ledger, namespace: "stem", roles: ["dashboard" as never] })).toThrow(/unknown role.*\(got "dashboard"\)/);
      expect(() => new StemSigningKeyring(stack(), "K", { ledger, namespace: "stem", roles: ["worker", "worker"] })).toThrow(/roles must not repeat/);
    });

    test("fails when asked for a role it has no Secret for", () => {
      const keyring = new StemSigningKeyring(stack(), "K", { ledger, namespace: "stem", roles: ["worker"] });
      expect(() => keyring.containerEnv("producer")).toThrow(/test\/K\.containerEnv: this keyring has no Secret for role "producer".*Fix: add "producer" to the keyring's roles \(it has worker\)/);
    });

    test("fails when a second keyring with the same prefix renders another ledger", () => {
      const s = stack();
      new StemSigningKeyring(s, "A", { ledger, namespace: "stem" });
      expect(() => new StemSigningKeyring(s, "B", { ledger: initLedger("ed25519", "k1"), namespace: "other" })).toThrow(
        /test\/B props\.namePrefix: Terraform variable stem_signing_key_k1 is already declared by test\/A for signing key "k1" \(hmac-sha256, required, ledger [0-9a-f]{12}\), not for signing key "k1" \(ed25519.*Fix: give this construct a namePrefix of its own/,
      );
    });

    test("fails when two key ids would share a variable", () => {
      const clash = { ...initLedger("hmac-sha256", "k.1"), phase: 2, keys: [{ id: "k.1", algorithm: "hmac-sha256", state: "active" }, { id: "k-1", algorithm: "hmac-sha256", state: "staged" }], history: [{ phase: 1, op: "init", keyId: "k.1" }, { phase: 2, op: "stage", keyId: "k-1" }] } as const;
      // The ledger itself refuses the pair (rotate and parsing), before any construct sees it.
      expect(() => new StemSigningKeyring(stack(), "K", { ledger: clash, namespace: "stem" })).toThrow(/key id "k-1" and "k\.1" give the same Terraform variable and secret name/);
    });
  });
});
