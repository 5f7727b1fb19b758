import "../support/cdktf-jest";
import { execFileSync } from "node:child_process";
import { X509Certificate, createPrivateKey } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { TerraformStack, Testing } from "cdktf";
import { STEM_TLS_ENTRYPOINT_SCRIPT, StemTlsBundles, type StemTlsBundlesProps } from "../../lib/aws/tls-bundles";
import { generateTlsBundle } from "../../lib/core/tls/generate";
import type { TlsBundle } from "../../lib/core/tls/types";
import { tlsFullStack, tlsSecretStack } from "./tls-stack";
import { expectNoPemMaterial } from "../support/pem-leaks";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SENTINEL = "SENTINEL-do-not-leak";

const setup = tlsSecretStack;
const fullStack = tlsFullStack;

let bundle: TlsBundle;
beforeAll(async () => {
  bundle = await generateTlsBundle({ sans: "redis.internal,localhost", keySize: 2048, days: 30 });
});

describe("StemTlsBundles", () => {
  test("writes the trust bundle and the leaves write-only into two secrets from three ephemeral inputs", () => {
    const { stack } = setup();
    const synth = Testing.synth(stack, true);
    expect(synth).toHaveResourceWithProperties(SecretsmanagerSecret, { name: "prod/stem/tls-ca", recovery_window_in_days: 7 });
    expect(synth).toHaveResourceWithProperties(SecretsmanagerSecret, { name: "prod/stem/tls-client", recovery_window_in_days: 7 });
    // Exact expressions: token references, not an escaped "$${...}" literal; a new version is created before the old one goes.
    expect(synth).toHaveResourceWithProperties(SecretsmanagerSecretVersion, {
      secret_string_wo: '${jsonencode({"caCert" = var.prod_stem_tls_ca_bundle})}',
      secret_string_wo_version: 2,
      lifecycle: { create_before_destroy: true },
    });
    expect(synth).toHaveResourceWithProperties(SecretsmanagerSecretVersion, {
      secret_string_wo: '${jsonencode({"clientCert" = var.prod_stem_tls_client_cert, "clientKey" = var.prod_stem_tls_client_key})}',
      secret_string_wo_version: 2,
      lifecycle: { create_before_destroy: true },
    });
    expect(synth).not.toContain("$${");
    expect(synth).not.toMatch(/"secret_string"\s*:/); // never the stateful argument
    const variables = (JSON.parse(synth) as Json).variable as Record<string, Json>;
    expect(Object.keys(variables).sort()).toEqual(["prod_stem_tls_ca_bundle", "prod_stem_tls_client_cert", "prod_stem_tls_client_key"]);
    for (const v of Object.values(variables)) expect(v).toMatchObject({ ephemeral: true, sensitive: true, type: "string" });
  });

  test("containerBinding: PEMs as env secrets from the JSON keys pinned to the version, paths and revision as env", () => {
    const { stack, tls } = fullStack();
    const json = JSON.parse(Testing.synth(stack, true)) as Json;
    const address = (type: string, id: string) => Object.keys(json.resource[type]).find((k) => k.startsWith(`Tls_${id}_`))!;
    const defs = json.resource.aws_ecs_task_definition.Worker.container_definitions as string;
    for (const [name, key, secretName, versionName] of [
      ["STEM_TLS_CA_CERT_PEM", "caCert", address("aws_secretsmanager_secret", "CaSecret"), address("aws_secretsmanager_secret_version", "CaVersion")],
      ["STEM_TLS_CLIENT_CERT_PEM", "clientCert", address("aws_secretsmanager_secret", "Secret"), address("aws_secretsmanager_secret_version", "Version")],
      ["STEM_TLS_CLIENT_KEY_PEM", "clientKey", address("aws_secretsmanager_secret", "Secret"), address("aws_secretsmanager_secret_version", "Version")],
    ]) {
      // <arn>:<json key>::<version id>, both as references (the task definition depends on the version).
      expect(defs).toContain(`{"name" = "${name}", "valueFrom" = "\${aws_secretsmanager_secret.${secretName}.arn}:${key}::\${aws_secretsmanager_secret_version.${versionName}.version_id}"}`);
    }
    const binding = tls.containerBinding();
    expect(binding.environment).toEqual([
      { name: "STEM_TLS_CA_CERT", value: "/run/stem-tls/ca.crt" },
      { name: "STEM_TLS_CLIENT_CERT", value: "/run/stem-tls/client.crt" },
      { name: "STEM_TLS_CLIENT_KEY", value: "/run/stem-tls/client.key" },
      { name: "STEMGUARD_TLS_REVISION", value: "2" },
    ]);
    expect(binding.secrets.map((s) => s.name)).toEqual(["STEM_TLS_CA_CERT_PEM", "STEM_TLS_CLIENT_CERT_PEM", "STEM_TLS_CLIENT_KEY_PEM"]);
    expect(JSON.stringify(binding)).not.toContain("ALLOW_INSECURE");
  });

  test("grantRead: GetSecretValue on both secrets (plus kms:Decrypt with a customer key), once per grantee", () => {
    const { stack, tls, role } = fullStack({ kmsKey: { arn: "arn:aws:kms:eu-west-1:111122223333:key/abc" } });
    expect(tls.grantRead(role)).toBe(tls.grantRead(role));
    const synth = Testing.synth(stack, true);
    expect(synth).toHaveResourceWithProperties(IamRolePolicy, { role: "${aws_iam_role.ExecutionRole.name}" });
    const policies = (JSON.parse(synth) as Json).resource.aws_iam_role_policy as Record<string, Json>;
    expect(Object.keys(policies)).toHaveLength(1);
    const doc = JSON.parse(Object.values(policies)[0].policy as string) as Json;
    expect(doc.Statement).toEqual([
      { Sid: "ReadStemTlsBundle", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: Object.keys((JSON.parse(synth) as Json).resource.aws_secretsmanager_secret).map((k) => `\${aws_secretsmanager_secret.${k}.arn}`) },
      { Sid: "DecryptStemTlsBundle", Effect: "Allow", Action: ["kms:Decrypt"], Resource: ["arn:aws:kms:eu-west-1:111122223333:key/abc"] },
    ]);
  });

  test("the entrypoint convention writes the PEMs to the STEM_TLS_* paths (0600), drops the PEM env, and execs the command", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-entry-"));
    try {
      const script = path.join(dir, "stem-tls-entrypoint");
      fs.writeFileSync(script, STEM_TLS_ENTRYPOINT_SCRIPT, { mode: 0o755 });
      const { tls } = setup({ fileDir: path.join(dir, "run/stem-tls") });
      const binding = tls.containerBinding();
      // What ECS would inject: the path env as given, each *_PEM from the secret's JSON key.
      const pems: Record<string, string> = { STEM_TLS_CA_CERT_PEM: bundle.caCertPem, STEM_TLS_CLIENT_CERT_PEM: bundle.clientCertPem, STEM_TLS_CLIENT_KEY_PEM: bundle.clientKeyPem };
      expect(binding.secrets.map((s) => s.name).sort()).toEqual(Object.keys(pems).sort());
      const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...Object.fromEntries(binding.environment.map((e) => [e.name, e.value])), ...pems };
      const childEnv = execFileSync("sh", [script, "env"], { env, encoding: "utf8" });
      expect(childEnv).not.toContain("_PEM=");
      expect(childEnv).not.toContain("PRIVATE KEY");
      expect(childEnv).toContain(`STEM_TLS_CLIENT_KEY=${tls.paths.clientKey}`);
      expect(fs.readFileSync(tls.paths.caCert, "utf8").trim()).toBe(bundle.caCertPem.trim());
      const cert = new X509Certificate(fs.readFileSync(tls.paths.clientCert));
      expect(cert.checkPrivateKey(createPrivateKey(fs.readFileSync(tls.paths.clientKey)))).toBe(true);
      expect(cert.verify(new X509Certificate(fs.readFileSync(tls.paths.caCert)).publicKey)).toBe(true);
      for (const file of Object.values(tls.paths)) expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      // A missing PEM stops the container instead of starting Stem without its files (set -u).
      const { STEM_TLS_CLIENT_KEY_PEM: _dropped, ...incomplete } = env;
      expect(() => execFileSync("sh", [script, "true"], { env: incomplete, stdio: "pipe" })).toThrow();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("docs/tls.md shows the entrypoint script exactly", () => {
    const doc = fs.readFileSync(path.join(__dirname, "../../docs/tls.md"), "utf8");
    expect(doc).toContain("```sh\n" + STEM_TLS_ENTRYPOINT_SCRIPT + "```");
  });

  test("no material reaches the synthesized JSON, even with every input set in the environment", () => {
    const values: Record<string, string> = {
      TF_VAR_prod_stem_tls_client_ca_bundle: bundle.caCertPem + SENTINEL,
      TF_VAR_prod_stem_tls_client_client_cert: bundle.clientCertPem,
      TF_VAR_prod_stem_tls_client_client_key: bundle.clientKeyPem + SENTINEL,
    };
    Object.assign(process.env, values);
    try {
      const synth = Testing.synth(fullStack({ tags: { team: "queue" } }).stack, true);
      expectNoPemMaterial(synth, Object.values(values));
    } finally {
      for (const name of Object.keys(values)) delete process.env[name];
    }
  });

  test("fails on a bad namePrefix, secretName, revision, fileDir or recovery window", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const make = (id: string, props: Partial<StemTlsBundlesProps>) => new StemTlsBundles(stack, id, { namePrefix: `s/${id}`, revision: 1, ...props });
    expect(() => make("A", { secretName: "/prod/tls/" })).toThrow(/props.secretName/);
    expect(() => make("A2", { namePrefix: "2024/stem" })).toThrow(/test\/A2 props\.namePrefix: namePrefix must start with a letter.*\(got "2024\/stem"\)\. Fix: put a letter first, e\.g\. "stem-2024\/stem"/);
    expect(() => make("B", { revision: 0 })).toThrow(/props.revision: revision must be a whole number >= 1 \(got 0\)/);
    expect(() => make("C", { fileDir: "run/tls" })).toThrow(/props.fileDir: fileDir must be an absolute path/);
    expect(() => make("D", { fileDir: "/run/$(id)" })).toThrow(/fileDir must be an absolute path/);
    expect(() => make("E", { recoveryWindowInDays: 3 })).toThrow(/recoveryWindowInDays must be 0 or a whole number from 7 to 30/);
  });

  test("keeps a 0.1 secret name with secretName; the inputs follow namePrefix", () => {
    const { stack } = setup({ namePrefix: "prod/stem/tls", secretName: "prod/stem/tls-bundle" });
    const synth = Testing.synth(stack, true);
    expect(synth).toHaveResourceWithProperties(SecretsmanagerSecret, { name: "prod/stem/tls-bundle" });
    expect(Object.keys((JSON.parse(synth) as Json).variable).sort()).toEqual(["prod_stem_tls_ca_bundle", "prod_stem_tls_client_cert", "prod_stem_tls_client_key"]);
  });

  test("bindToContainer refuses the container's own STEM_TLS_* and a second binding", () => {
    const { tls } = setup();
    const container = { name: "worker", image: "w:1", environment: [{ name: "STEM_BROKER_URL", value: "rediss://r:6379" }] };
    const bound = tls.bindToContainer(container);
    expect(bound.environment.map((e) => e.name)).toEqual(["STEM_BROKER_URL", "STEM_TLS_CA_CERT", "STEM_TLS_CLIENT_CERT", "STEM_TLS_CLIENT_KEY", "STEMGUARD_TLS_REVISION"]);
    expect(bound.secrets.map((e) => e.name)).toEqual(["STEM_TLS_CA_CERT_PEM", "STEM_TLS_CLIENT_CERT_PEM", "STEM_TLS_CLIENT_KEY_PEM"]);
    expect(() => tls.bindToContainer(bound)).toThrow(/test\/Tls\.bindToContainer: container "worker" is already bound to the TLS bundles \(it has STEMGUARD_TLS_REVISION\).*Fix: bind each container once/);
    expect(() => tls.bindToContainer({ ...container, environment: [{ name: "STEM_TLS_CA_CERT", value: "/certs/ca.crt" }] })).toThrow(
      /test\/Tls\.bindToContainer\.STEM_TLS_CA_CERT: container "worker" sets STEM_TLS_CA_CERT; every STEM_TLS_\* variable is set by the TLS bundles.*Fix: remove STEM_TLS_CA_CERT/,
    );
    expect(() => tls.bindToContainer({ ...container, secrets: [{ name: "STEM_TLS_CLIENT_KEY_PEM", valueFrom: "arn:aws:secretsmanager:eu-west-1:1:secret:x" }] })).toThrow(/sets STEM_TLS_CLIENT_KEY_PEM/);
  });
});

// The real-terraform checks of this stack (validate, plan, the write-only
// secret kept out of plan output and plan JSON, the validation refusing a key
// where a certificate belongs) run in test/integration/aws-terraform.test.ts,
// as a child module of the fleet root: one validate/plan/show for both.
