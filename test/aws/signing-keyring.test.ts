import "../support/cdktf-jest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { TerraformStack, Testing } from "cdktf";
import { StemSigningKeyring, type StemSigningKeyringProps } from "../../lib/aws/signing-keyring";
import { serializeLedger } from "../../lib/core/keyring/ledger-file";
import { applyStep, emptyLedger, initLedger } from "../../lib/core/keyring/steps";
import type { SigningLedger } from "../../lib/core/keyring/types";
import { markerDocument, markerMaterial } from "./markers";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HMAC_STAGED = applyStep(initLedger("hmac-sha256", "k1"), "stage", "k2");

function setup(props: Partial<StemSigningKeyringProps> = {}) {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const keyring = new StemSigningKeyring(stack, "Keyring", { ledger: HMAC_STAGED, namePrefix: "prod/stem", ...props });
  return { stack, keyring };
}

function synthJson(stack: TerraformStack): Json {
  return JSON.parse(Testing.synth(stack)) as Json;
}

function byName(json: Json, type: string, suffix: string, kind: "resource" | "ephemeral" = "resource"): Json {
  const blocks = (json[kind]?.[type] ?? {}) as Record<string, Json>;
  const hits = Object.entries(blocks).filter(([name]) => name.replace(/_[0-9A-F]{8}$/, "").endsWith(suffix));
  if (hits.length !== 1) throw new Error(`expected one ${type} ending in ${suffix}, got ${hits.map(([n]) => n).join(", ")}`);
  return hits[0][1];
}

describe("StemSigningKeyring", () => {
  test("defines one secret per live key and per role, with a 7-day recovery window by default", () => {
    const { stack } = setup();
    const synth = Testing.synth(stack);
    for (const name of ["prod/stem/keys/k1", "prod/stem/keys/k2", "prod/stem/roles/producer", "prod/stem/roles/worker", "prod/stem/roles/beat"]) {
      expect(synth).toHaveResourceWithProperties(SecretsmanagerSecret, { name, recovery_window_in_days: 7 });
    }
    expect(Object.keys(synthJson(stack).resource.aws_secretsmanager_secret)).toHaveLength(5);
  });

  test("writes each key's material once, write-only, from its ephemeral input", () => {
    const { stack } = setup();
    const json = synthJson(stack);
    expect(byName(json, "aws_secretsmanager_secret_version", "Key-k1_Version")).toEqual({
      secret_id: expect.stringMatching(/^\$\{aws_secretsmanager_secret\.Keyring_Key-k1_Secret_[0-9A-F]{8}\.id\}$/),
      secret_string_wo: "${var.prod_stem_key_k1}",
      secret_string_wo_version: 1,
    });
    expect(Testing.synth(stack)).not.toMatch(/"secret_string"\s*:/);
  });

  test("declares the material inputs ephemeral and sensitive; only the key created in this phase is required", () => {
    const { stack, keyring } = setup();
    const variables = synthJson(stack).variable as Record<string, Json>;
    expect(Object.keys(variables).sort()).toEqual(["prod_stem_key_k1", "prod_stem_key_k2"]);
    expect(variables.prod_stem_key_k2).toMatchObject({ ephemeral: true, sensitive: true, type: "string" });
    expect(variables.prod_stem_key_k2).not.toHaveProperty("default");
    expect(variables.prod_stem_key_k1).toMatchObject({ ephemeral: true, sensitive: true, default: "", nullable: false });
    expect(variables.prod_stem_key_k1.validation[0].condition).toBe(
      '${((length(var.prod_stem_key_k1) < 1) || can(regex("' +
        "^([A-Za-z0-9+/]{4}){10}([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)$|^([A-Za-z0-9+/]{4}){11,}([A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$" +
        '", jsondecode(var.prod_stem_key_k1).secret)))}',
    );
    expect(keyring.materialInputs.map((i) => [i.keyId, i.envVarName, i.required])).toEqual([
      ["k1", "TF_VAR_prod_stem_key_k1", false],
      ["k2", "TF_VAR_prod_stem_key_k2", true],
    ]);
  });

  test("reads each key back through an ephemeral block pinned to its version", () => {
    const { stack } = setup();
    const read = byName(synthJson(stack), "aws_secretsmanager_secret_version", "Key-k2_Read", "ephemeral");
    expect(read).toEqual({
      secret_id: expect.stringMatching(/^\$\{aws_secretsmanager_secret\.Keyring_Key-k2_Secret_[0-9A-F]{8}\.id\}$/),
      version_id: expect.stringMatching(/^\$\{aws_secretsmanager_secret_version\.Keyring_Key-k2_Version_[0-9A-F]{8}\.version_id\}$/),
    });
  });

  test("composes each role's env at apply time with token references, not escaped strings", () => {
    const { stack } = setup();
    const json = synthJson(stack);
    const worker = byName(json, "aws_secretsmanager_secret_version", "Role-worker_Version");
    const read = (id: string) => {
      const name = Object.keys(json.ephemeral.aws_secretsmanager_secret_version).find((n) => n.startsWith(`Keyring_Key-${id}_Read_`));
      return `jsondecode(ephemeral.aws_secretsmanager_secret_version.${name}.secret_string).secret`;
    };
    expect(worker.secret_string_wo).toBe(
      `\${jsonencode({"STEM_SIGNING_ALGORITHM" = "hmac-sha256", "STEM_SIGNING_KEYS" = "k1:\${${read("k1")}},k2:\${${read("k2")}}", "STEM_SIGNING_ACTIVE_KEY" = "k1"})}`,
    );
    expect(worker.secret_string_wo_version).toBe(2);
    expect(Testing.synth(stack)).not.toContain("$${");
  });

  test("a worker-mode step writes a new version of the worker's role secret only", () => {
    const versions = (ledger: SigningLedger) => {
      const json = synthJson(setup({ ledger }).stack);
      return Object.fromEntries(
        (["producer", "worker", "beat"] as const).map((role) => [role, byName(json, "aws_secretsmanager_secret_version", `Role-${role}_Version`).secret_string_wo_version]),
      );
    };
    const ed = applyStep(initLedger("ed25519", "k1"), "stage", "k2");
    expect(versions(ed)).toEqual({ producer: 2, worker: 2, beat: 2 });
    expect(versions(applyStep(ed, "verify-only-workers", "k1"))).toEqual({ producer: 2, worker: 3, beat: 2 });
  });

  test("replaces a role's secret version create-before-destroy; key versions, written once, keep the default", () => {
    // test/transitions/aws-fleet.transition.ts checks the resulting plans with real terraform.
    const json = synthJson(setup().stack);
    for (const role of ["producer", "worker", "beat"]) {
      expect(byName(json, "aws_secretsmanager_secret_version", `Role-${role}_Version`).lifecycle).toEqual({ create_before_destroy: true });
    }
    for (const key of ["k1", "k2"]) expect(byName(json, "aws_secretsmanager_secret_version", `Key-${key}_Version`).lifecycle).toBeUndefined();
  });

  test("gives Ed25519 workers only public keys when the ledger says verifyOnlyWorkers", () => {
    const ledger = applyStep(initLedger("ed25519", "k1", { verifyOnlyWorkers: true }), "stage", "k2");
    const { stack, keyring } = setup({ ledger });
    const wo = (role: string) => byName(synthJson(stack), "aws_secretsmanager_secret_version", `Role-${role}_Version`).secret_string_wo as string;
    expect(wo("worker")).not.toContain("STEM_SIGNING_PRIVATE_KEYS");
    expect(wo("worker")).toContain('"STEM_SIGNING_PUBLIC_KEYS" = "k1:${jsondecode(');
    expect(wo("producer")).toContain('"STEM_SIGNING_PRIVATE_KEYS" = "k1:${jsondecode(');
    expect(wo("producer")).toMatch(/\.seed\}"/);
    expect(keyring.variableNames("worker")).toEqual(["STEM_SIGNING_ALGORITHM", "STEM_SIGNING_PUBLIC_KEYS"]);
  });

  test("encrypts every secret with the KMS key and tags it", () => {
    const { stack } = setup({ kmsKey: { arn: "arn:aws:kms:eu-west-1:111122223333:key/k" }, tags: { team: "queue" }, recoveryWindowInDays: 30 });
    const secrets = Object.values(synthJson(stack).resource.aws_secretsmanager_secret) as Json[];
    expect(secrets).toHaveLength(5);
    for (const s of secrets) {
      expect(s).toMatchObject({ kms_key_id: "arn:aws:kms:eu-west-1:111122223333:key/k", tags: { team: "queue" }, recovery_window_in_days: 30 });
    }
  });

  test("creates role secrets only for the roles asked for", () => {
    const { stack, keyring } = setup({ roles: ["worker", "producer"] });
    expect(keyring.roles).toEqual(["producer", "worker"]);
    expect(Testing.synth(stack)).not.toContain("prod/stem/roles/beat");
    expect(() => keyring.roleSecretArn("beat")).toThrow(/role "beat" has no secret in this keyring.*add "beat" to props.roles/);
  });

  test("drops a retired key's secret, version, read and input", () => {
    const retired = applyStep(applyStep(HMAC_STAGED, "activate", "k2"), "retire", "k1");
    const { stack, keyring } = setup({ ledger: retired });
    const synth = Testing.synth(stack);
    expect(synth).not.toContain("prod/stem/keys/k1");
    expect(synth).not.toContain("Key-k1");
    expect(synth).not.toContain("prod_stem_key_k1");
    expect(() => keyring.keySecretArn("k1")).toThrow(/key "k1" has no secret in this phase.*use one of: k2/);
  });

  test("reads the ledger from a file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-ledger-"));
    const file = path.join(dir, "stemguard.rotation.json");
    fs.writeFileSync(file, serializeLedger(HMAC_STAGED));
    const stack = new TerraformStack(Testing.app(), "test");
    const keyring = new StemSigningKeyring(stack, "Keyring", { ledgerFile: file, namePrefix: "p" });
    expect(keyring.ledger).toEqual(HMAC_STAGED);
    fs.rmSync(dir, { recursive: true });
  });

  describe("grantRead", () => {
    test("allows reading the role secret only, and decrypting with the KMS key", () => {
      const { stack, keyring } = setup({ kmsKey: { arn: "arn:aws:kms:eu-west-1:111122223333:key/k" } });
      const role = new IamRole(stack, "WorkerExecution", { assumeRolePolicy: "{}" });
      const policy = keyring.grantRead(role, "worker");
      expect(keyring.grantRead(role, "worker")).toBe(policy);
      const json = synthJson(stack);
      const [name, body] = Object.entries(json.resource.aws_iam_role_policy as Record<string, Json>)[0];
      expect(name).toMatch(/^Keyring_Read-worker-WorkerExecution_[0-9A-F]{8}$/);
      expect(body.role).toBe("${aws_iam_role.WorkerExecution.name}");
      expect(body.name).toBe("prod-stem-worker-read");
      const doc = JSON.parse(body.policy);
      expect(doc.Statement).toEqual([
        {
          Sid: "ReadStemSigningEnv",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
          Resource: [expect.stringMatching(/^\$\{aws_secretsmanager_secret\.Keyring_Role-worker_Secret_[0-9A-F]{8}\.arn\}$/)],
        },
        { Sid: "DecryptStemSigningEnv", Effect: "Allow", Action: ["kms:Decrypt"], Resource: ["arn:aws:kms:eu-west-1:111122223333:key/k"] },
      ]);
    });

    test("grants no KMS action without a customer-managed key", () => {
      const { stack, keyring } = setup();
      keyring.grantRead({ name: "beat-exec", arn: "arn:aws:iam::111122223333:role/beat-exec" }, "beat");
      const synth = Testing.synth(stack);
      expect(synth).toHaveResourceWithProperties(IamRolePolicy, { role: "beat-exec" });
      expect(synth).not.toContain("kms:Decrypt");
    });

    test("fails for a grantee whose name is a token and that is not a construct", () => {
      const { stack, keyring } = setup();
      const role = new IamRole(stack, "R", { assumeRolePolicy: "{}" });
      expect(() => keyring.grantRead({ name: role.name, arn: role.arn }, "worker")).toThrow(/cannot derive a stable construct ID.*pass the IamRole/);
    });
  });

  describe("bindToContainer", () => {
    test("injects each Stem variable as a secret from the role secret's JSON key, plus TZ and the revision", () => {
      const { stack, keyring } = setup();
      const container = keyring.bindToContainer({ name: "app", image: "img", environment: [{ name: "A", value: "1" }] }, "worker");
      expect(container.image).toBe("img");
      expect(container.environment).toEqual([
        { name: "A", value: "1" },
        { name: "TZ", value: "UTC" },
        { name: "STEMGUARD_KEYRING_REVISION", value: "2" },
      ]);
      expect(container.secrets.map((s) => s.name)).toEqual(["STEM_SIGNING_ALGORITHM", "STEM_SIGNING_KEYS", "STEM_SIGNING_ACTIVE_KEY"]);
      new EcsTaskDefinition(stack, "Task", { family: "f", containerDefinitions: JSON.stringify([container]) });
      const defs = JSON.parse(synthJson(stack).resource.aws_ecs_task_definition.Task.container_definitions);
      // Pinned to this phase's secret version: an implicit dependency, and a rollback rolls the keyring back too.
      expect(defs[0].secrets[1].valueFrom).toMatch(
        /^\$\{aws_secretsmanager_secret\.Keyring_Role-worker_Secret_[0-9A-F]{8}\.arn\}:STEM_SIGNING_KEYS::\$\{aws_secretsmanager_secret_version\.Keyring_Role-worker_Version_[0-9A-F]{8}\.version_id\}$/,
      );
      expect(() => Testing.synth(stack, true)).not.toThrow();
    });

    test("accepts a container that already sets TZ=UTC", () => {
      const { keyring } = setup();
      const container = keyring.bindToContainer({ name: "app", environment: [{ name: "TZ", value: "UTC" }] }, "beat");
      expect(container.environment.filter((e) => e.name === "TZ")).toHaveLength(1);
    });

    test("fails when the container sets TZ to something else", () => {
      const { keyring } = setup();
      expect(() => keyring.bindToContainer({ name: "app", environment: [{ name: "TZ", value: "Europe/Berlin" }] }, "worker")).toThrow(
        /container "app" already sets TZ .*set it to UTC/,
      );
    });

    test("fails when the container already has a Stem signing variable", () => {
      const { keyring } = setup();
      expect(() => keyring.bindToContainer({ name: "app", secrets: [{ name: "STEM_SIGNING_KEYS", valueFrom: "arn:x" }] }, "producer")).toThrow(
        /bindToContainer\(producer\)\.STEM_SIGNING_KEYS: container "app" sets STEM_SIGNING_KEYS; every STEM_SIGNING_\* variable is set by the signing keyring.*Fix: remove STEM_SIGNING_KEYS/,
      );
      // Also a name this role's env does not set: Stem would read a stray PRIVATE_KEYS on an Ed25519 signer.
      expect(() => keyring.bindToContainer({ name: "app", environment: [{ name: "STEM_SIGNING_PRIVATE_KEYS", value: "x" }] }, "producer")).toThrow(
        /container "app" sets STEM_SIGNING_PRIVATE_KEYS/,
      );
    });
  });

  describe("fails on bad input", () => {
    test("fails without a ledger, or with both ledger and ledgerFile", () => {
      const stack = new TerraformStack(Testing.app(), "t");
      expect(() => new StemSigningKeyring(stack, "A", { namePrefix: "p" })).toThrow(/give exactly one of ledger and ledgerFile \(got "neither"\)/);
      expect(() => new StemSigningKeyring(stack, "B", { namePrefix: "p", ledger: HMAC_STAGED, ledgerFile: "x" })).toThrow(/\(got "both"\)/);
    });

    test("fails on a ledger whose keys skipped a step", () => {
      const forged: SigningLedger = { ...HMAC_STAGED, keys: [HMAC_STAGED.keys[0], { ...HMAC_STAGED.keys[1], state: "active" }] };
      expect(() => setup({ ledger: forged })).toThrow(/exactly one key must be active|keys do not match what history yields/);
    });

    test("fails on a ledger with no keys", () => {
      expect(() => setup({ ledger: emptyLedger("hmac-sha256") })).toThrow(/phase must be a whole number >= 1 .*\(got 0\)\. Fix: delete the file and run 'stemguard rotate init <key-id>'/);
    });

    test("fails on a missing ledger file, naming it", () => {
      const stack = new TerraformStack(Testing.app(), "t");
      expect(() => new StemSigningKeyring(stack, "K", { ledgerFile: "/nonexistent/stemguard.rotation.json", namePrefix: "p" })).toThrow(
        /ledger file does not exist \(got "\/nonexistent\/stemguard.rotation.json"\)/,
      );
    });

    test.each([["", "/lead", "trail/", "a//b", "sp ace", "x".repeat(401)]].flat())("fails on namePrefix %j", (prefix) => {
      expect(() => setup({ namePrefix: prefix })).toThrow(/namePrefix must/);
    });

    test.each([1, 6, 31, 7.5, -1])("fails on recoveryWindowInDays %p", (days) => {
      expect(() => setup({ recoveryWindowInDays: days })).toThrow(/recoveryWindowInDays must be 0 or a whole number from 7 to 30/);
    });

    test("fails on an unknown or empty roles list", () => {
      expect(() => setup({ roles: ["scheduler" as never] })).toThrow(/unknown role; roles are producer, worker, beat \(got "scheduler"\)/);
      expect(() => setup({ roles: [] })).toThrow(/roles must not be empty/);
      expect(() => setup({ roles: ["worker", "worker"] })).toThrow(/roles must not repeat \(got \["worker","worker"\]\)/);
    });

    test("fails when two keyrings in a stack would write the same secrets", () => {
      const { stack } = setup();
      expect(() => new StemSigningKeyring(stack, "Other", { ledger: HMAC_STAGED, namePrefix: "prod/stem" })).toThrow(
        /test\/Other props\.namePrefix: Secrets Manager secret prod\/stem\/keys\/k1 is already created by test\/Keyring.*\(got "prod\/stem"\).*own namePrefix/,
      );
    });

    test("fails when a keyring of another ledger claims the same material input", () => {
      const { stack } = setup();
      expect(() => new StemSigningKeyring(stack, "Other", { ledger: initLedger("hmac-sha256", "k1"), namePrefix: "prod_stem" })).toThrow(
        /Terraform variable prod_stem_key_k1 is already declared by test\/Keyring for signing key "k1" \(hmac-sha256, optional, ledger [0-9a-f]{12}\), not for signing key "k1" \(hmac-sha256, required, ledger [0-9a-f]{12}\)/,
      );
    });
  });

  test("never synthesizes material present in the environment or passed as a sentinel prefix", () => {
    const sentinel = markerDocument(markerMaterial("hmac-sha256", "k1"));
    const saved = process.env.TF_VAR_prod_stem_key_k1;
    process.env.TF_VAR_prod_stem_key_k1 = sentinel;
    try {
      const { stack } = setup({ tags: { note: "SENTINEL-do-not-leak" } });
      const synth = Testing.synth(stack);
      expect(synth).not.toContain(JSON.parse(sentinel).secret);
      expect(synth).not.toContain("MARKER");
      expect(synth).toContain("SENTINEL-do-not-leak"); // control: tags do reach the JSON
    } finally {
      if (saved === undefined) delete process.env.TF_VAR_prod_stem_key_k1;
      else process.env.TF_VAR_prod_stem_key_k1 = saved;
    }
  });

  test("pins its Terraform addresses (renaming a construct ID replaces resources)", () => {
    const { stack } = setup();
    const json = synthJson(stack);
    const addresses = ["resource", "ephemeral"].flatMap((kind) =>
      Object.entries((json[kind] ?? {}) as Record<string, Json>).flatMap(([type, blocks]) => Object.keys(blocks).map((n) => `${kind === "ephemeral" ? "ephemeral." : ""}${type}.${n}`)),
    );
    expect(addresses.sort()).toMatchInlineSnapshot(`
[
  "aws_secretsmanager_secret.Keyring_Key-k1_Secret_99AC6FE7",
  "aws_secretsmanager_secret.Keyring_Key-k2_Secret_F752124B",
  "aws_secretsmanager_secret.Keyring_Role-beat_Secret_279D0142",
  "aws_secretsmanager_secret.Keyring_Role-producer_Secret_489414EA",
  "aws_secretsmanager_secret.Keyring_Role-worker_Secret_758173E5",
  "aws_secretsmanager_secret_version.Keyring_Key-k1_Version_E1BB03BA",
  "aws_secretsmanager_secret_version.Keyring_Key-k2_Version_97306DBF",
  "aws_secretsmanager_secret_version.Keyring_Role-beat_Version_3E83130F",
  "aws_secretsmanager_secret_version.Keyring_Role-producer_Version_88BE7BB2",
  "aws_secretsmanager_secret_version.Keyring_Role-worker_Version_F4DE3AD1",
  "ephemeral.aws_secretsmanager_secret_version.Keyring_Key-k1_Read_59AD70C5",
  "ephemeral.aws_secretsmanager_secret_version.Keyring_Key-k2_Read_35B948B2",
]
`);
  });

  test("matches the snapshot of its default configuration, which holds no material", () => {
    const { stack } = setup();
    const synth = Testing.synth(stack);
    expect(synth).not.toMatch(/MARKER|"secret_string"\s*:/);
    expect(synth).toMatchSnapshot();
  });
});
