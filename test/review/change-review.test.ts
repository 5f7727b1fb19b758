// `stemguard review --base PATH --head PATH` on real synth pairs: small apps built with the real
// constructs (test/review/support/review-apps.ts), synthesized with app.synth() into cdktf.out
// folders, reviewed through the CLI. Each legal step of every ledger kind passes; each unsafe
// change fails with its precise reason; a git revert gets the ledger engine's verdict.
import * as fs from "node:fs";
import * as path from "node:path";
import { diffSections } from "../../lib/core/ledger/diff";
import { signingSection } from "../../lib/core/keyring/steps";
import { main } from "../../lib/cli/main";
import { fakeIo } from "../support/fake-io";
import { firstLedgers, redisPhases, signingPhases, synthApps, tlsPhases, type AppLedgers, type AppVariant } from "./support/review-apps";

/** Runs the real CLI in-process. */
async function runCli(argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const io = fakeIo(process.cwd());
  const exitCode = await main(argv, io);
  return { exitCode, stdout: io.out(), stderr: io.err() };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const cache = new Map<string, string>();
function synth(ledgers: AppLedgers, variant: AppVariant = {}): string {
  const key = JSON.stringify([ledgers.signing.history, ledgers.tls.history, ledgers.redis.tls.history, ledgers.redis.passwords?.history, variant]);
  let dir = cache.get(key);
  if (!dir) {
    dir = synthApps(ledgers, variant);
    dirs.push(dir);
    cache.set(key, dir);
  }
  return dir;
}

interface Verdict {
  readonly exitCode: number;
  readonly json: { ok: boolean; steps: string[]; findings: { rule: string; message: string }[]; ledgers: { construct: string; kind: string; verdict: string; step?: string }[]; stacks: { name: string; rolls: { address: string; role?: string; level: number }[]; changes: { address: string; action: string; purpose: string }[] }[] };
}

async function review(base: string, head: string): Promise<Verdict> {
  const r = await runCli(["review", "--base", base, "--head", head, "--json"]);
  return { exitCode: r.exitCode, json: JSON.parse(r.stdout) };
}

const first = firstLedgers();
const at = (over: Partial<AppLedgers>): AppLedgers => ({ ...first, ...over });

describe("legal steps of every ledger kind pass", () => {
  const sig = signingPhases();
  const tls = tlsPhases();
  const redis = redisPhases();
  const cases: [string, AppLedgers, AppLedgers][] = [
    ...sig.slice(1).map((l, i): [string, AppLedgers, AppLedgers] => [`signing-keyring: ${l.history.at(-1)!.op} ${l.history.at(-1)!.keyId}`, at({ signing: sig[i] }), at({ signing: l })]),
    ...tls.slice(1).map((l, i): [string, AppLedgers, AppLedgers] => [`tls-ca: ${l.history.at(-1)!.op}`, at({ tls: tls[i] }), at({ tls: l })]),
    ...redis.slice(2).map((l, i): [string, AppLedgers, AppLedgers] => [`redis phase ${i + 3}`, at({ redis: redis[i + 1] }), at({ redis: l })]),
  ];
  test.each(cases)("%s", async (_name, base, head) => {
    const { exitCode, json } = await review(synth(base), synth(head));
    expect({ exitCode, findings: json.findings }).toEqual({ exitCode: 0, findings: [] });
    expect(json.steps).toHaveLength(1);
  });

  test("stage k2 on AWS: the key's secret and version are added, the role versions replaced, task definitions then services roll", async () => {
    const { json } = await review(synth(at({ signing: sig[0] })), synth(at({ signing: sig[1] })));
    const aws = json.stacks.find((s) => s.name === "stem-aws")!;
    expect(aws.changes.filter((c) => c.purpose === "signing keyring").map((c) => `${c.action} ${c.address}`)).toEqual([
      "add aws_secretsmanager_secret.Signing_Key-k2_Secret_394260E1",
      "add aws_secretsmanager_secret_version.Signing_Key-k2_Version_CCE6BC3F",
      "replace aws_secretsmanager_secret_version.Signing_Role-producer_Version_66E2308E",
      "replace aws_secretsmanager_secret_version.Signing_Role-worker_Version_0B1FFDC2",
    ]);
    expect(aws.rolls.map((r) => `${r.level} ${r.address} ${r.role}`)).toEqual([
      "1 aws_ecs_task_definition.Task-producer producer",
      "1 aws_ecs_task_definition.Task-worker worker",
      "2 aws_ecs_service.Service-producer producer",
      "2 aws_ecs_service.Service-worker worker",
    ]);
    // One ledger rendered by two keyrings (AWS and Kubernetes) is one step.
    expect(json.steps).toEqual(["signing-keyring: stage k2"]);
    expect(json.ledgers.filter((l) => l.verdict === "step").map((l) => l.construct)).toEqual(["stem-aws/Signing", "stem-kubernetes/Keyring"]);
  });
});

describe("unsafe changes fail with a precise message", () => {
  const sig = signingPhases();
  const redis = redisPhases();
  const base = () => synth(first);

  /** A copy of `dir` with `edit` applied to one stack's JSON (a stale or hand-edited synth). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a hand edit reaches into untyped JSON
  type AnyJson = Record<string, any>;
  function edited(dir: string, stack: string, edit: (json: AnyJson) => void): string {
    const copy = fs.mkdtempSync(`${dir}-edit-`);
    dirs.push(copy);
    fs.cpSync(dir, copy, { recursive: true });
    const file = path.join(copy, "stacks", stack, "cdk.tf.json");
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    edit(json);
    fs.writeFileSync(file, JSON.stringify(json));
    return copy;
  }
  const markerOf = (json: AnyJson, construct: string) => json["//"].stemguard.constructs.find((c: { path: string }) => c.path === construct);

  const cases: [string, () => string, () => string, string, RegExp][] = [
    ["a construct id rename", base, () => synth(first, { awsKeyringId: "SigningKeyring" }), "construct-id", /construct id changed: StemSigningKeyring stem-aws\/Signing is now stem-aws\/SigningKeyring; .*Terraform destroys 8 and creates them again \(keep the id "Signing"\)/],
    [
      "a stage whose secret is missing (the stack renders stage k2, its resources are phase 1's)",
      base,
      () => edited(synth(first), "stem-aws", (json) => (markerOf(json, "stem-aws/Signing").ledger = JSON.parse(JSON.stringify(markerOf(JSON.parse(fs.readFileSync(path.join(synth(at({ signing: sig[1] })), "stacks/stem-aws/cdk.tf.json"), "utf8")), "stem-aws/Signing").ledger)))),
      "step-diff",
      /stage k2 must create the key's secret \(stem-aws\/Signing\/Key-k2\/Secret\); the synthesized diff does not touch it/,
    ],
    ["two steps (stage k2 and stage-ca ca-2)", base, () => synth(at({ signing: sig[1], tls: tlsPhases()[1] })), "steps", /2 ledger steps in one pull request \(signing-keyring: stage k2; tls-ca: stage-ca ca-2\); split it/],
    ["destroy of a role secret (producer dropped from the keyring's roles)", base, () => synth(first, { awsRoles: ["worker"] }), "unexplained-destroy", /destroy of the secret-bearing aws_secretsmanager_secret\.Signing_Role-producer_Secret_\w+ \(stem-aws\/Signing\) that no ledger step explains/],
    ["Redis replace (volume claim template resized)", base, () => synth(first, { redisStorage: "10Gi" }), "unexplained-destroy", /replace of the stateful kubernetes_stateful_set_v1\.Redis_\w+ \(stem-kubernetes\/Redis\) that no ledger step explains \(synth: spec\.volume_claim_template forces replacement/],
    ["TLS secret replace (renamed Secrets)", base, () => synth(first, { tlsNamePrefix: "stem-tls2" }), "unexplained-destroy", /replace of the secret-bearing kubernetes_secret_v1\.Tls_CaBundle_\w+ \(stem-kubernetes\/Tls\) that no ledger step explains \(synth: metadata\.name forces replacement/],
    ["PVC delete", () => synth(first, { withPvc: true }), base, "unexplained-destroy", /destroy of the stateful kubernetes_persistent_volume_claim_v1\.worker-data that no ledger step explains/],
    ["removing a keyring from a stack", base, () => synth(first, { withoutAwsKeyring: true }), "construct-removed", /StemSigningKeyring stem-aws\/Signing was removed from stack stem-aws: its 8 resources are destroyed/],
    [
      "a hand-edited ledger (k1 set to retiring outside a step)",
      base,
      () => edited(synth(first), "stem-aws", (json) => (markerOf(json, "stem-aws/Signing").ledger.keys[0].state = "retiring")),
      "ledger",
      /stem-aws\/Signing: the ledger it renders cannot be reviewed: .*keys: exactly one key must be active/,
    ],
    ["a jump in TLS mode (dual to tls-only)", () => synth(at({ redis: redis[2] })), () => synth(at({ redis: redis[4] })), "ledger", /stem-kubernetes\/Redis \(redis-tls\): 2 steps in one pull request \(tls clients-tls, then tls tls-only\)/],
    [
      "retiring the only password (a hand-made ledger: the constructs refuse it)",
      () => synth(at({ redis: redis[2] })),
      () => edited(synth(at({ redis: redis[2] })), "stem-kubernetes", (json) => {
        const pw = markerOf(json, "stem-kubernetes/Redis").ledger.sections[1];
        pw.history.push({ phase: pw.history.length + 1, op: "retire", passwordId: "pw1", tlsPhase: markerOf(json, "stem-kubernetes/Redis").ledger.sections[0].phase });
        pw.phase = pw.history.length;
        pw.passwords[0].state = "retired";
      }),
      "ledger",
      /stem-kubernetes\/Redis: the ledger it renders cannot be reviewed: .*history does not replay/,
    ],
    ["a changed name prefix", base, () => synth(first, { awsNamePrefix: "stem/signing2" }), "name-prefix", /StemSigningKeyring stem-aws\/Signing: namePrefix changed from "stem\/signing" to "stem\/signing2"; every secret and object name derives from it/],
  ];
  test.each(cases)("%s", async (_name, b, h, rule, message) => {
    const { exitCode, json } = await review(b(), h());
    expect(exitCode).toBe(1);
    expect(json.ok).toBe(false);
    const finding = json.findings.find((f) => f.rule === rule);
    expect({ rule: finding?.rule, message: finding?.message }).toEqual({ rule, message: expect.stringMatching(message) });
  });

  test("the constructs themselves refuse to retire the only Redis password", () => {
    const { applyRedisPasswordStep } = jest.requireActual("../../lib/core/redis/ledger-file");
    expect(() => applyRedisPasswordStep(redis[2], "retire", "pw1")).toThrow(/pw1/);
  });
});

describe("git revert of the last step's pull request gets the ledger engine's verdict", () => {
  const sig = signingPhases();
  test.each([1, 2, 3])("revert of the signing step to phase %i + 1", async (i) => {
    const engine = diffSections(signingSection(sig[i]), signingSection(sig[i - 1]));
    const { exitCode, json } = await review(synth(at({ signing: sig[i] })), synth(at({ signing: sig[i - 1] })));
    expect({ exitCode, verdicts: json.ledgers.filter((l) => l.kind === "signing-keyring").map((l) => l.verdict) }).toEqual({
      exitCode: engine.kind === "revert" ? 0 : 1,
      verdicts: [engine.kind, engine.kind],
    });
  });
});

test("usage: two different kinds are exit 64; an unknown path is exit 64", async () => {
  const ledger = path.join(synth(first), "ledger.json");
  fs.writeFileSync(ledger, JSON.stringify(JSON.parse(JSON.stringify(signingPhases()[0])) && { schemaVersion: 1, kind: "stemguard.signing-keyring" }));
  const mixed = await runCli(["review", "--base", synth(first), "--head", ledger]);
  expect({ code: mixed.exitCode, err: mixed.stderr }).toEqual({ code: 64, err: expect.stringMatching(/--base is a synth and --head is a ledger; both must be the same kind/) });
  const missing = await runCli(["review", "--base", "/nonexistent-stemguard", "--head", synth(first)]);
  expect(missing.exitCode).toBe(64);
});
