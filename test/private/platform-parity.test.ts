// One rule, one shape on both platforms: shared prefixes (lib/private/stack-claims.ts),
// binding guards and cross-stack imports, asserted side by side for AWS and Kubernetes.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { App, TerraformStack, Testing } from "cdktf";
import * as aws from "../../lib/aws/index";
import { applyStep, initLedger } from "../../lib/core/keyring/steps";
import * as k8s from "../../lib/kubernetes/index";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const LEDGER = applyStep(initLedger("hmac-sha256", "k1"), "stage", "k2");
const OTHER_LEDGER = initLedger("hmac-sha256", "k1");

function awsStack(app: App = Testing.app(), id = "test"): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return stack;
}

function k8sStack(app: App = Testing.app(), id = "test"): TerraformStack {
  const stack = new TerraformStack(app, id);
  new KubernetesProvider(stack, "kubernetes", { configPath: "~/.kube/config" });
  return stack;
}

const synth = (stack: TerraformStack): Json => JSON.parse(Testing.synth(stack)) as Json;

describe("same names on both platforms", () => {
  test("the same construct, interface-consumer and method names differ only by import path", () => {
    for (const mod of [aws, k8s]) {
      expect(typeof mod.StemSigningKeyring.fromNamePrefix).toBe("function");
      expect(typeof mod.StemSigningKeyring.isStemSigningKeyring).toBe("function");
      expect(typeof mod.StemTlsBundles.fromNamePrefix).toBe("function");
      expect(typeof mod.StemTlsBundles.isStemTlsBundles).toBe("function");
      for (const method of ["revision", "variableNames"]) expect(typeof mod.StemSigningKeyring.prototype[method as "revision"]).toBe("function");
    }
    for (const old of ["StemKubernetesSigningKeyring", "StemKubernetesTlsBundles", "StemTlsBundlesSecret", "planAwsMaterialInputs"]) {
      expect(Object.keys(aws)).not.toContain(old);
      expect(Object.keys(k8s)).not.toContain(old);
    }
    for (const mod of [aws, k8s]) {
      expect(typeof mod.StemSecurity.isStemSecurity).toBe("function");
      for (const method of ["bind", "rollout", "summary"]) expect(typeof mod.StemSecurity.prototype[method as "bind"]).toBe("function");
    }
    expect(typeof aws.StemSecurity.prototype.grantRead).toBe("function");
    expect(typeof k8s.StemSecurity.prototype.podLabels).toBe("function");
    expect(typeof aws.StemSigningKeyring.prototype.roleSecretArn).toBe("function");
    expect("roleEnvRevision" in aws.StemSigningKeyring.prototype).toBe(false);
    expect("roleEnvVariableNames" in aws.StemSigningKeyring.prototype).toBe(false);
  });

  test("the same Terraform variable names for the same prefix", () => {
    const a = awsStack();
    const awsKeyring = new aws.StemSigningKeyring(a, "Signing", { ledger: LEDGER, namePrefix: "stem-signing" });
    const awsTls = new aws.StemTlsBundles(a, "Tls", { namePrefix: "stem-tls", revision: 1 });
    const k = k8sStack();
    const k8sKeyring = new k8s.StemSigningKeyring(k, "Signing", { ledger: LEDGER, namespace: "stem", namePrefix: "stem-signing" });
    const k8sTls = new k8s.StemTlsBundles(k, "Tls", { namespace: "stem", revision: 1, kinds: ["client"] });
    expect(awsKeyring.materialInputs.map((m) => m.variableName)).toEqual(["stem_signing_key_k1", "stem_signing_key_k2"]);
    expect(k8sKeyring.materialInputs.map((m) => m.variableName)).toEqual(["stem_signing_key_k1", "stem_signing_key_k2"]);
    expect(awsTls.materialInputs.map((m) => m.variableName)).toEqual(["stem_tls_ca_bundle", "stem_tls_client_cert", "stem_tls_client_key"]);
    expect(k8sTls.materialInputs.map((m) => m.variableName)).toEqual(["stem_tls_ca_bundle", "stem_tls_client_cert", "stem_tls_client_key"]);
    expect(awsKeyring.revision("worker")).toBe(k8sKeyring.revision("worker"));
    expect(awsKeyring.variableNames("worker")).toEqual(k8sKeyring.variableNames("worker"));
  });
});

describe("one rule for a shared namePrefix", () => {
  test("Kubernetes: two keyrings and two bundles with one prefix in two namespaces share every input", () => {
    const stack = k8sStack();
    const a = new k8s.StemSigningKeyring(stack, "A", { ledger: LEDGER, namespace: "stem-a" });
    const b = new k8s.StemSigningKeyring(stack, "B", { ledger: LEDGER, namespace: "stem-b" });
    new k8s.StemTlsBundles(stack, "TlsA", { namespace: "stem-a", revision: 1 });
    new k8s.StemTlsBundles(stack, "TlsB", { namespace: "stem-b", revision: 1, kinds: ["client"] });
    expect(a.materialInputs[0].variable).toBe(b.materialInputs[0].variable);
    const json = synth(stack);
    expect(Object.keys(json.variable).sort()).toEqual([
      "stem_signing_key_k1",
      "stem_signing_key_k2",
      "stem_tls_ca_bundle",
      "stem_tls_client_cert",
      "stem_tls_client_key",
      "stem_tls_server_cert",
      "stem_tls_server_key",
    ]);
    // Each shared variable carries its validation rule once.
    expect(json.variable.stem_signing_key_k1.validation).toHaveLength(1);
    expect(json.variable.stem_tls_ca_bundle.validation).toHaveLength(1);
    expect(Object.keys(json.resource.kubernetes_secret_v1)).toHaveLength(6 + 5);
  });

  test("AWS: two keyrings and two bundles whose prefixes give the same inputs share them", () => {
    const stack = awsStack();
    const a = new aws.StemSigningKeyring(stack, "A", { ledger: LEDGER, namePrefix: "prod/stem" });
    const b = new aws.StemSigningKeyring(stack, "B", { ledger: LEDGER, namePrefix: "prod_stem" });
    new aws.StemTlsBundles(stack, "TlsA", { namePrefix: "prod/tls", revision: 1 });
    new aws.StemTlsBundles(stack, "TlsB", { namePrefix: "prod_tls", revision: 1 });
    expect(a.materialInputs.map((m) => m.variable)).toEqual(b.materialInputs.map((m) => m.variable));
    const json = synth(stack);
    expect(Object.keys(json.variable).sort()).toEqual(["prod_stem_key_k1", "prod_stem_key_k2", "prod_tls_ca_bundle", "prod_tls_client_cert", "prod_tls_client_key"]);
    expect(json.variable.prod_stem_key_k1.validation).toHaveLength(1);
    expect(Object.keys(json.resource.aws_secretsmanager_secret)).toHaveLength(2 * 5 + 2 * 2); // per keyring 2 keys + 3 roles; per bundle a CA and a client secret
  });

  test.each([
    ["AWS keyring", () => {
      const s = awsStack();
      new aws.StemSigningKeyring(s, "A", { ledger: LEDGER });
      new aws.StemSigningKeyring(s, "B", { ledger: LEDGER });
    }, /test\/B props\.namePrefix: Secrets Manager secret stem-signing\/keys\/k1 is already created by test\/A/],
    ["Kubernetes keyring", () => {
      const s = k8sStack();
      new k8s.StemSigningKeyring(s, "A", { ledger: LEDGER, namespace: "stem" });
      new k8s.StemSigningKeyring(s, "B", { ledger: LEDGER, namespace: "stem" });
    }, /test\/B props\.namePrefix: Kubernetes Secret stem\/stem-signing-producer is already created by test\/A/],
    ["AWS bundles", () => {
      const s = awsStack();
      new aws.StemTlsBundles(s, "A", { revision: 1 });
      new aws.StemTlsBundles(s, "B", { revision: 1 });
    }, /test\/B props\.namePrefix: Secrets Manager secret stem-tls-client is already created by test\/A/],
    ["Kubernetes bundles", () => {
      const s = k8sStack();
      new k8s.StemTlsBundles(s, "A", { namespace: "stem", revision: 1 });
      new k8s.StemTlsBundles(s, "B", { namespace: "stem", revision: 1 });
    }, /test\/B props\.namePrefix: Kubernetes Secret stem\/stem-tls-ca is already created by test\/A/],
  ])("%s: a second construct writing the same objects is refused", (_name, make, message) => {
    expect(make).toThrow(message);
    expect(make).toThrow(/Fix: give each construct its own namePrefix/);
  });

  test.each([
    ["AWS", () => {
      const s = awsStack();
      new aws.StemSigningKeyring(s, "A", { ledger: LEDGER, namePrefix: "prod/stem" });
      new aws.StemSigningKeyring(s, "B", { ledger: OTHER_LEDGER, namePrefix: "prod_stem" });
    }],
    ["Kubernetes", () => {
      const s = k8sStack();
      new k8s.StemSigningKeyring(s, "A", { ledger: LEDGER, namespace: "a" });
      new k8s.StemSigningKeyring(s, "B", { ledger: OTHER_LEDGER, namespace: "b" });
    }],
  ])("%s: keyrings of two different ledgers never share a key's input", (_name, make) => {
    expect(make).toThrow(/test\/B props\.namePrefix: Terraform variable \w+_key_k1 is already declared by test\/A for signing key "k1" \(hmac-sha256, \w+, ledger [0-9a-f]{12}\), not for signing key "k1" \(hmac-sha256, required, ledger [0-9a-f]{12}\)/);
  });
});

describe("binding guards", () => {
  test("AWS: binding a container twice says already bound", () => {
    const keyring = new aws.StemSigningKeyring(awsStack(), "Signing", { ledger: LEDGER });
    const bound = keyring.bindToContainer({ name: "worker", image: "w:1" }, "worker");
    expect(() => keyring.bindToContainer(bound, "worker")).toThrow(
      /test\/Signing\.bindToContainer\(worker\): container "worker" is already bound to the signing keyring \(it has STEMGUARD_KEYRING_REVISION\)/,
    );
  });

  test("Kubernetes: binding an env twice says already bound", () => {
    const keyring = new k8s.StemSigningKeyring(k8sStack(), "Signing", { ledger: LEDGER, namespace: "stem" });
    const env = keyring.containerEnv("worker", [{ name: "A", value: "b" }]);
    expect(() => keyring.containerEnv("worker", env)).toThrow(/test\/Signing\.containerEnv\(worker\): the container is already bound to the signing keyring \(it has STEM_SIGNING_ALGORITHM\)/);
    // A hand-written value is not a binding: it is refused as the container's own variable.
    expect(() => keyring.containerEnv("worker", [{ name: "STEM_SIGNING_ALGORITHM", value: "hmac-sha256" }])).toThrow(/sets STEM_SIGNING_ALGORITHM; every STEM_SIGNING_\* variable is set by the signing keyring/);
  });
});

describe("cross-stack imports (fromNamePrefix)", () => {
  test("AWS: a service stack binds and grants against the platform stack's secrets without creating or asking for material", () => {
    const app = Testing.app();
    const platform = awsStack(app, "platform");
    const owner = new aws.StemSigningKeyring(platform, "Signing", { ledger: LEDGER, namePrefix: "prod/stem" });
    const ownerTls = new aws.StemTlsBundles(platform, "Tls", { namePrefix: "prod/tls", revision: 3 });
    const service = awsStack(app, "service");
    const keyring: aws.ISigningKeyring = aws.StemSigningKeyring.fromNamePrefix(service, "Signing", { ledger: LEDGER, namePrefix: "prod/stem", roles: ["worker"] });
    const tls: aws.ITlsBundles = aws.StemTlsBundles.fromNamePrefix(service, "Tls", { namePrefix: "prod/tls", revision: 3 });
    expect(aws.StemSigningKeyring.isStemSigningKeyring(keyring)).toBe(false);
    expect(aws.StemSigningKeyring.isStemSigningKeyring(owner)).toBe(true);
    expect(aws.StemTlsBundles.isStemTlsBundles(ownerTls)).toBe(true);
    const role = { name: "worker-exec", arn: "arn:aws:iam::111122223333:role/worker-exec" };
    keyring.grantRead(role, "worker");
    tls.grantRead(role);
    const container = tls.bindToContainer(keyring.bindToContainer({ name: "worker", image: "w:1" }, "worker"));
    expect(container.environment).toContainEqual({ name: "STEMGUARD_KEYRING_REVISION", value: String(owner.revision("worker")) });
    expect(container.environment).toContainEqual({ name: "STEMGUARD_TLS_REVISION", value: "3" });
    expect(container.secrets.map((s) => s.name)).toEqual([...owner.variableNames("worker"), "STEM_TLS_CA_CERT_PEM", "STEM_TLS_CLIENT_CERT_PEM", "STEM_TLS_CLIENT_KEY_PEM"]);

    const json = synth(service);
    expect(json.variable).toBeUndefined(); // no material asked for
    expect(json.resource.aws_secretsmanager_secret).toBeUndefined();
    expect(json.resource.aws_secretsmanager_secret_version).toBeUndefined();
    const lookups = Object.values(json.data.aws_secretsmanager_secret as Record<string, Json>).map((d) => d.name);
    expect(lookups.sort()).toEqual(["prod/stem/roles/worker", "prod/tls-ca", "prod/tls-client"]);
    expect(json.data.aws_secretsmanager_secret_version).toBeUndefined(); // never the value: it would land in state
    expect(Object.keys(json.resource.aws_iam_role_policy)).toHaveLength(2);
    // Containers read AWSCURRENT: <arn>:<json-key>:: with no version id.
    expect(container.secrets[0].valueFrom).toMatch(/^\$\{TfToken\[TOKEN\.\d+\]\}:STEM_SIGNING_ALGORITHM::$/);
    expect(() => keyring.bindToContainer({ name: "x" }, "producer")).toThrow(/role "producer" has no secret in this keyring.*add "producer" to props\.roles/);
  });

  test("Kubernetes: a workload stack mounts and reads the platform stack's Secrets by name", () => {
    const app = Testing.app();
    const platform = k8sStack(app, "platform");
    const owner = new k8s.StemSigningKeyring(platform, "Signing", { ledger: LEDGER, namespace: "stem" });
    new k8s.StemTlsBundles(platform, "Tls", { namespace: "stem", revision: 3 });
    const service = k8sStack(app, "service");
    const keyring: k8s.ISigningKeyring = k8s.StemSigningKeyring.fromNamePrefix(service, "Signing", { ledger: LEDGER, namespace: "stem" });
    const tls: k8s.ITlsBundles = k8s.StemTlsBundles.fromNamePrefix(service, "Tls", { namespace: "stem", revision: 3 });
    expect(k8s.StemSigningKeyring.isStemSigningKeyring(keyring)).toBe(false);
    expect(k8s.StemSigningKeyring.isStemSigningKeyring(owner)).toBe(true);
    // One symbol per platform class: the AWS check does not take a Kubernetes keyring for its own.
    expect(aws.StemSigningKeyring.isStemSigningKeyring(owner)).toBe(false);
    const env = tls.containerEnv(keyring.containerEnv("worker"));
    expect(env[0]).toEqual({ name: "STEM_SIGNING_ALGORITHM", valueFrom: { secretKeyRef: { name: "stem-signing-worker", key: "STEM_SIGNING_ALGORITHM", optional: false } } });
    expect(keyring.podAnnotations("worker")).toEqual(owner.podAnnotations("worker"));
    expect(tls.volumes("client").map((v) => [v.secret.secretName, v.secret.items])).toEqual([
      ["stem-tls-ca", [{ key: "ca.crt", path: "ca.crt" }]],
      ["stem-tls-client", [{ key: "tls.crt", path: "tls.crt" }, { key: "tls.key", path: "tls.key" }]],
    ]);
    const json = synth(service);
    expect(json.variable).toBeUndefined();
    expect(json.resource).toBeUndefined();
  });
});

describe("namePrefix that passes a first check but would fail later", () => {
  test.each([
    ["AWS keyring", () => new aws.StemSigningKeyring(awsStack(), "K", { ledger: LEDGER, namePrefix: "2024/stem" })],
    ["AWS bundles", () => new aws.StemTlsBundles(awsStack(), "K", { namePrefix: "2024/stem", revision: 1 })],
    ["AWS import", () => aws.StemSigningKeyring.fromNamePrefix(awsStack(), "K", { ledger: LEDGER, namePrefix: "_stem" })],
  ])("%s: refused at construct time with field, value and fix", (_name, make) => {
    expect(make).toThrow(/test\/K props\.namePrefix: namePrefix must start with a letter.*\(got "(2024\/stem|_stem)"\)\. Fix: put a letter first/);
  });

  test("AWS: the longest namePrefix (400) with the longest key id (64) still fits Secrets Manager's 512 characters", () => {
    // The ledger refuses ids over 64 characters, so the construct's 512-character check cannot be reached through a key id.
    const id = `k${"x".repeat(63)}`;
    expect(() => applyStep(initLedger("hmac-sha256", "k1"), "stage", `${id}x`)).toThrow(/64/);
    const longest = applyStep(initLedger("hmac-sha256", "k1"), "stage", id);
    const prefix = `p${"/abc".repeat(99)}1234`.slice(0, 400);
    expect(prefix).toHaveLength(400);
    const keyring = new aws.StemSigningKeyring(awsStack(), "K", { ledger: longest, namePrefix: prefix });
    expect(keyring.node.id).toBe("K");
    expect(aws.keySecretName(prefix, id).length).toBeLessThanOrEqual(512);
  });

  test.each([
    [{ "aws:team": "x" }, /props\.tags\.aws:team: a tag key must be 1-128 characters and must not start with the reserved aws:/],
    [{ ["k".repeat(129)]: "x" }, /a tag key must be 1-128 characters/],
    [{ team: "v".repeat(257) }, /props\.tags\.team: a tag value must be a string of at most 256 characters \(got "257 characters"\)/],
    [Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "x"])), /at most 50 tags per secret \(got "51 tags"\)/],
  ])("AWS tags Secrets Manager would refuse at apply are refused at construct time (%#)", (tags, message) => {
    expect(() => new aws.StemSigningKeyring(awsStack(), "K", { ledger: LEDGER, tags })).toThrow(message);
    expect(() => new aws.StemTlsBundles(awsStack(), "K", { revision: 1, tags })).toThrow(message);
  });

  test("AWS: an old TLS secretName may start with a digit (it names no variable)", () => {
    const tls = new aws.StemTlsBundles(awsStack(), "K", { namePrefix: "stem-tls", secretName: "2024/stem/tls-client", revision: 1 });
    expect(tls.materialInputs.map((m) => m.variableName)).toEqual(["stem_tls_ca_bundle", "stem_tls_client_cert", "stem_tls_client_key"]);
  });
});
