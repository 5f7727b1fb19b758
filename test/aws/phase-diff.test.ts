// "Changing only the ledger changes only what that phase should touch."
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { StemSigningKeyring } from "../../lib/aws/signing-keyring";
import type { SigningAlgorithm, SigningLedger } from "../../lib/core/keyring/types";
import { rotationPhases, synthFleetJson } from "./phases";
import { blockMap, diffBlocks, type BlockDiff } from "./resource-map";

function synthKeyring(ledger: SigningLedger): Map<string, string> {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new StemSigningKeyring(stack, "Keyring", { ledger, namePrefix: "prod/stem" });
  return blockMap(Testing.synth(stack));
}

const SECRET = "resource.aws_secretsmanager_secret.Keyring_";
const VERSION = "resource.aws_secretsmanager_secret_version.Keyring_";
const READ = "ephemeral.aws_secretsmanager_secret_version.Keyring_";
const ROLE_VERSIONS = ["beat", "producer", "worker"].map((r) => `${VERSION}Role-${r}_Version`);

describe.each<SigningAlgorithm>(["hmac-sha256", "ed25519"])("keyring phase diffs (%s)", (algorithm) => {
  const [init, stage, activate, retire] = rotationPhases(algorithm).map((p) => synthKeyring(p.ledger));

  test("stage k2: adds k2's secret, version, read and required input; k1's input turns optional; every role's env is rewritten", () => {
    expect(diffBlocks(init, stage)).toEqual<BlockDiff>({
      added: [`${READ}Key-k2_Read`, `${SECRET}Key-k2_Secret`, `${VERSION}Key-k2_Version`, "variable.prod_stem_key_k2"],
      removed: [],
      changed: [...ROLE_VERSIONS, "variable.prod_stem_key_k1"],
    });
  });

  test("activate k2: rewrites every role's env and makes k2's input optional, nothing else", () => {
    expect(diffBlocks(stage, activate)).toEqual<BlockDiff>({
      added: [],
      removed: [],
      changed: [...ROLE_VERSIONS, "variable.prod_stem_key_k2"],
    });
  });

  test("retire k1: removes k1's secret, version, read and input; rewrites every role's env", () => {
    expect(diffBlocks(activate, retire)).toEqual<BlockDiff>({
      added: [],
      removed: [`${READ}Key-k1_Read`, `${SECRET}Key-k1_Secret`, `${VERSION}Key-k1_Version`, "variable.prod_stem_key_k1"],
      changed: ROLE_VERSIONS,
    });
  });

  test("role env versions follow the phase; key versions stay at 1", () => {
    const version = (map: Map<string, string>, key: string) => JSON.parse(map.get(key)!).secret_string_wo_version;
    expect([init, stage, activate, retire].map((m) => version(m, `${VERSION}Role-worker_Version`))).toEqual([1, 2, 3, 4]);
    expect([stage, activate].map((m) => version(m, `${VERSION}Key-k2_Version`))).toEqual([1, 1]);
  });
});

describe("verify-only Ed25519 workers", () => {
  const [, stage, activate] = rotationPhases("ed25519", { verifyOnlyWorkers: true }).map((p) => synthKeyring(p.ledger));

  test("activate leaves the worker env (public keys only) untouched", () => {
    expect(diffBlocks(stage, activate).changed).toEqual([`${VERSION}Role-beat_Version`, `${VERSION}Role-producer_Version`, "variable.prod_stem_key_k2"]);
  });
});

describe("AWS fleet example phase diffs", () => {
  const fleet = (ledger: SigningLedger) => blockMap(synthFleetJson(ledger, 2));

  test("stage: every task definition gets a new revision; services, IAM and the cluster do not change", () => {
    const [init, stage] = rotationPhases("hmac-sha256").map((p) => fleet(p.ledger));
    const diff = diffBlocks(init, stage);
    const tasks = ["api", "beat", "worker-0", "worker-1"].map((s) => `resource.aws_ecs_task_definition.Task-${s}`);
    expect(diff.changed.filter((a) => a.includes("aws_ecs_task_definition"))).toEqual(tasks);
    expect(diff.changed.filter((a) => !a.includes("aws_ecs_task_definition"))).toEqual([
      "resource.aws_secretsmanager_secret_version.Signing_Role-beat_Version",
      "resource.aws_secretsmanager_secret_version.Signing_Role-producer_Version",
      "resource.aws_secretsmanager_secret_version.Signing_Role-worker_Version",
      "variable.stem_fleet_signing_key_k1",
    ]);
    expect(diff.removed).toEqual([]);
    expect(JSON.parse(stage.get(tasks[2])!).container_definitions).toContain('{"name":"STEMGUARD_KEYRING_REVISION","value":"2"}');
  });

  test("activate with verify-only Ed25519 workers: worker task definitions keep their revision", () => {
    const [, stage, activate] = rotationPhases("ed25519", { verifyOnlyWorkers: true }).map((p) => fleet(p.ledger));
    const changedTasks = diffBlocks(stage, activate).changed.filter((a) => a.includes("aws_ecs_task_definition"));
    expect(changedTasks).toEqual(["resource.aws_ecs_task_definition.Task-api", "resource.aws_ecs_task_definition.Task-beat"]);
  });
});
