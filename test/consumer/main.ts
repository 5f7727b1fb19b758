// A cdktf app as a user writes it after `cdktf init --template=typescript` and
// `npm install stemguard`: the template's tsconfig.json, unmodified (module CommonJS, no
// moduleResolution), importing the package by name and both platform subpaths.
// test/api/consumer.test.ts type-checks it against the built declarations;
// scripts/pack-install-check.js compiles and synthesizes it from the packed tarball.
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { App, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { readLedgerFile, roleEnvRevision, type SigningLedger } from "stemguard";
import * as aws from "stemguard/aws";
import * as kubernetes from "stemguard/kubernetes";

const LEDGER_FILE = "stemguard.rotation.json";

class AwsWorkers extends TerraformStack {
  constructor(scope: Construct, id: string, ledger: SigningLedger) {
    super(scope, id);
    // Offline `terraform plan`: no credential, account or metadata look-ups.
    new AwsProvider(this, "aws", {
      region: "eu-west-1",
      skipCredentialsValidation: true,
      skipRequestingAccountId: true,
      skipMetadataApiCheck: "true",
    });
    const keyring = new aws.StemSigningKeyring(this, "Signing", { ledger, namePrefix: "stem/signing" });
    const executionRole = new IamRole(this, "WorkerExecution", {
      name: "stem-worker-execution",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    keyring.grantRead(executionRole, "worker");
    const container = keyring.bindToContainer({ name: "worker", image: "ghcr.io/example/stem-app:1.0.0", essential: true }, "worker");
    new EcsTaskDefinition(this, "Worker", {
      family: "stem-worker",
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      executionRoleArn: executionRole.arn,
      containerDefinitions: JSON.stringify([container]),
    });
    new TerraformOutput(this, "worker_env_revision", { value: roleEnvRevision(ledger, "worker") });
  }
}

class KubernetesWorkers extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new KubernetesProvider(this, "kubernetes", { configPath: "~/.kube/config" });
    const keyring = new kubernetes.StemSigningKeyring(this, "SigningKeyring", { ledgerFile: LEDGER_FILE, namespace: "stem" });
    const labels = { app: "stem-worker" };
    new DeploymentV1(this, "Worker", {
      metadata: { name: "stem-worker", namespace: keyring.namespace },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: keyring.podAnnotations("worker") },
          spec: { container: [{ name: "worker", image: "ghcr.io/example/stem-app:1.0.0", env: keyring.containerEnv("worker", []) }] },
        },
      },
    });
  }
}

const ledger = readLedgerFile(LEDGER_FILE);
const app = new App();
new AwsWorkers(app, "stem-aws", ledger);
new KubernetesWorkers(app, "stem-kubernetes");
app.synth();
