// TLS inputs behave like signing-key inputs: required only in the phase that writes them.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TerraformStack, Testing } from "cdktf";
import * as aws from "../../lib/aws/index";
import { applyTlsStep, initTlsLedger } from "../../lib/core/tls/ca-ledger";
import { serializeTlsLedger } from "../../lib/core/tls/ca-ledger-file";
import type { TlsCaLedger } from "../../lib/core/tls/ca-ledger-types";
import * as k8s from "../../lib/kubernetes/index";
import { resolveTlsWrites } from "../../lib/private/tls-ledger-source";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const fp = (byte: string) => Array.from({ length: 32 }, () => byte).join(":");
const leaves = (byte: string) => ({ serverFingerprint256: fp(byte), clientFingerprint256: fp(`${byte[0]}E`) });

/** The ledger after each step of one CA rotation plus a renewal. */
function tlsRotation(): Record<string, TlsCaLedger> {
  const init = initTlsLedger("ca-2026", fp("AA"), leaves("A1"));
  const staged = applyTlsStep(init, { op: "stage-ca", caId: "ca-2027", caFingerprint256: fp("BB") });
  const reissued = applyTlsStep(staged, { op: "reissue-leaves", ...leaves("B1") });
  const retired = applyTlsStep(reissued, { op: "retire-ca", caId: "ca-2026" });
  const renewed = applyTlsStep(retired, { op: "renew-leaves", ...leaves("C1") });
  return { init, staged, reissued, retired, renewed };
}

const field = (name: string) => `test props.${name}`;

describe("resolveTlsWrites", () => {
  test("each part is required, and rewritten, only in the phase whose step changed it", () => {
    const r = tlsRotation();
    const summary = (l: TlsCaLedger) => {
      const w = resolveTlsWrites({ ledger: l }, field);
      return [w.revision, w.caRevision, w.leavesRevision, w.caRequired, w.leavesRequired];
    };
    expect(summary(r.init)).toEqual([1, 1, 1, true, true]);
    expect(summary(r.staged)).toEqual([2, 2, 1, true, false]);
    expect(summary(r.reissued)).toEqual([3, 2, 3, false, true]);
    expect(summary(r.retired)).toEqual([4, 4, 3, true, false]);
    expect(summary(r.renewed)).toEqual([5, 4, 5, false, true]);
  });

  test("revision alone: every part at that revision, every input required (the 0.1 behaviour)", () => {
    expect(resolveTlsWrites({ revision: 7 }, field)).toEqual({ revision: 7, caRevision: 7, leavesRevision: 7, caRequired: true, leavesRequired: true });
  });

  test("refuses none or two of ledgerFile, ledger and revision, and a missing ledger file", () => {
    expect(() => resolveTlsWrites({}, field)).toThrow(/test props\.ledgerFile: give exactly one of ledgerFile, ledger and revision \(got "none"\)/);
    expect(() => resolveTlsWrites({ revision: 1, ledger: tlsRotation().init }, field)).toThrow(/\(got "more than one"\)/);
    expect(() => resolveTlsWrites({ ledgerFile: path.join(os.tmpdir(), "no-such-stemguard.tls.json") }, field)).toThrow(/no-such-stemguard\.tls\.json/);
  });
});

/** Kubernetes bundles at one ledger phase, synthesized. */
function synthAt(ledger: TlsCaLedger): Json {
  const stack = new TerraformStack(Testing.app(), "test");
  new KubernetesProvider(stack, "kubernetes", { configPath: "~/.kube/config" });
  new k8s.StemTlsBundles(stack, "Tls", { namespace: "stem", ledger });
  return JSON.parse(Testing.synth(stack)) as Json;
}
const revisions = (json: Json) =>
  Object.fromEntries(Object.values(json.resource.kubernetes_secret_v1 as Record<string, Json>).map((s) => [s.metadata.name, s.data_wo_revision]));
const optional = (json: Json) => Object.entries(json.variable as Record<string, Json>).filter(([, v]) => v.default === "").map(([k]) => k).sort();

describe("Kubernetes StemTlsBundles with the TLS ledger", () => {
  test("stage-ca rewrites only the CA Secret; the leaf inputs are optional", () => {
    const json = synthAt(tlsRotation().staged);
    expect(revisions(json)).toEqual({ "stem-tls-ca": 2, "stem-tls-server": 1, "stem-tls-client": 1 });
    expect(optional(json)).toEqual(["stem_tls_client_cert", "stem_tls_client_key", "stem_tls_server_cert", "stem_tls_server_key"]);
    expect(json.variable.stem_tls_ca_bundle.default).toBeUndefined();
    // An optional input may be empty; a non-empty one still needs the PEM armour.
    expect(json.variable.stem_tls_client_key.validation[0].condition).toMatch(/\(length\(var\.stem_tls_client_key\) < 1\) \|\| can\(regex\(/);
    expect(json.variable.stem_tls_ca_bundle.validation[0].condition).not.toMatch(/length/);
  });

  test("reissue-leaves rewrites only the leaf Secrets; the CA input is optional", () => {
    const json = synthAt(tlsRotation().reissued);
    expect(revisions(json)).toEqual({ "stem-tls-ca": 2, "stem-tls-server": 3, "stem-tls-client": 3 });
    expect(optional(json)).toEqual(["stem_tls_ca_bundle"]);
  });

  test("ledgerFile reads the same ledger from disk; the pod annotation follows the phase", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-tls-ledger-"));
    const file = path.join(dir, "stemguard.tls.json");
    fs.writeFileSync(file, serializeTlsLedger(tlsRotation().retired));
    const stack = new TerraformStack(Testing.app(), "test");
    const tls = new k8s.StemTlsBundles(stack, "Tls", { namespace: "stem", ledgerFile: file, kinds: ["client"] });
    expect(tls.revision).toBe(4);
    expect(tls.podAnnotations()).toEqual({ "stemguard.io/tls-revision": "4" });
    expect(tls.materialInputs.map((m) => [m.variableName, m.required])).toEqual([
      ["stem_tls_ca_bundle", true],
      ["stem_tls_client_cert", false],
      ["stem_tls_client_key", false],
    ]);
  });
});

describe("AWS StemTlsBundles with the TLS ledger", () => {
  test("the CA secret and the client secret are each rewritten, and their inputs required, only in the phases that change them, as on Kubernetes", () => {
    for (const [phase, ledger] of Object.entries(tlsRotation())) {
      const stack = new TerraformStack(Testing.app(), "test");
      new AwsProvider(stack, "aws", { region: "eu-west-1" });
      const tls = new aws.StemTlsBundles(stack, "Tls", { ledger });
      const json = JSON.parse(Testing.synth(stack)) as Json;
      expect(tls.revision).toBe(ledger.phase);
      const secrets = json.resource.aws_secretsmanager_secret as Record<string, Json>;
      const awsRevisions = Object.fromEntries(
        Object.values(json.resource.aws_secretsmanager_secret_version as Record<string, Json>).map((v) => {
          const secretName = secrets[/aws_secretsmanager_secret\.([^.]+)\.id/.exec(v.secret_id as string)![1]].name as string;
          return [secretName, v.secret_string_wo_version];
        }),
      );
      const k8sJson = synthAt(ledger);
      const k8sRevisions = revisions(k8sJson);
      expect({ phase, revisions: awsRevisions }).toEqual({ phase, revisions: { "stem-tls-ca": k8sRevisions["stem-tls-ca"], "stem-tls-client": k8sRevisions["stem-tls-client"] } });
      const k8sOptional = optional(k8sJson).filter((name) => !name.includes("server"));
      expect({ phase, optional: optional(json) }).toEqual({ phase, optional: k8sOptional });
      expect(tls.materialInputs.filter((m) => !m.required).map((m) => m.variableName).sort()).toEqual(k8sOptional);
    }
  });
});
