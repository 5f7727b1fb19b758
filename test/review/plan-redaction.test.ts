// What the review prints of a plan: addresses, argument names and actions, never a value (the
// hand-made plans below are in `terraform show -json`'s shape: auth_token is a sensitive value,
// the review must not print it, and a replace of the replication group is unsafe), and the
// review of the AWS ElastiCache Redis (StemRedis) walk on synth pairs: every legal step passes,
// a Redis replace fails. Real plans of the same walk (the same verdicts, no password printed):
// test/transitions/aws-redis.transition.ts; of the AWS unsafe cases: review-plans.transition.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import { main } from "../../lib/cli/main";
import { changeReviewJson, formatChangeReviewMarkdown, formatChangeReviewText } from "../../lib/review/change/format";
import type { ChangeReview } from "../../lib/review/change/review-changes";
import { reviewPlanPair, reviewSynthPair } from "../../lib/review/change/review-inputs";
import { shown } from "../../lib/review/change/shown";
import { redisStackJson } from "../aws/redis-stack";
import { AWS_WALK_STEPS, walkLedgers } from "../aws/redis-walk";
import { fakeIo } from "../support/fake-io";
import { firstLedgers, synthApps } from "./support/review-apps";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- hand edits reach into untyped JSON
type Json = Record<string, any>;

const TOKEN = "Zx8vQm2LkP9sR4tW7yB3nC6dF1gH5jK0"; // an auth token as a plan would hold it
const rc = (actions: string[], before: object | null, after: object | null, extra: object = {}) => ({
  address: "aws_elasticache_replication_group.Redis_Resource_1A2B3C4D",
  mode: "managed",
  type: "aws_elasticache_replication_group",
  name: "Redis_Resource_1A2B3C4D",
  change: { actions, before, after, after_unknown: {}, before_sensitive: { auth_token: true }, after_sensitive: { auth_token: true }, ...extra },
});
const plan = (changes: object[]) => ({ format_version: "1.2", terraform_version: "1.11.4", resource_changes: changes });
const clean = plan([rc(["no-op"], { auth_token: TOKEN, port: 6379 }, { auth_token: TOKEN, port: 6379 })]);

test("an in-place auth_token change is listed by name; the token is never printed", () => {
  const head = plan([rc(["update"], { auth_token: TOKEN, port: 6379 }, { auth_token: `${TOKEN}x`, port: 6379 })]);
  const review = reviewPlanPair({ name: "s", plan: clean, synth: () => undefined }, { name: "s", plan: head, synth: () => undefined });
  const texts = [formatChangeReviewText(review), formatChangeReviewMarkdown(review), JSON.stringify(changeReviewJson(review, 1))];
  for (const t of texts) expect(t).not.toContain(TOKEN.slice(0, 12));
  expect(review.stacks[0].changes.map((c) => [c.action, c.attributes])).toEqual([["change", ["auth_token"]]]);
  // Without the stack JSON beside the plan the review cannot tell purposes or ledgers: it fails closed.
  expect(review.findings.map((f) => f.rule)).toEqual(["unreadable"]);
});

test("a replace of the ElastiCache replication group is an unexplained replace of a stateful resource", () => {
  const head = plan([rc(["delete", "create"], { auth_token: TOKEN, port: 6379 }, { auth_token: TOKEN, port: 6380 }, { replace_paths: [["port"]] })]);
  const review = reviewPlanPair({ name: "s", plan: clean, synth: () => undefined }, { name: "s", plan: head, synth: () => undefined });
  expect(review.ok).toBe(false);
  expect(review.findings.find((f) => f.rule === "unexplained-destroy")?.message).toMatch(/^replace of the stateful aws_elasticache_replication_group\.Redis_Resource_1A2B3C4D that no ledger step explains \(plan: actions delete,create\)/);
});

test("a base plan with pending changes fails closed, and an unknown action is unreadable", () => {
  const pending = plan([rc(["update"], { port: 1 }, { port: 2 })]);
  expect(reviewPlanPair({ name: "s", plan: pending, synth: () => undefined }, { name: "s", plan: clean, synth: () => undefined }).findings.map((f) => f.rule)).toContain("plan-base");
  const odd = plan([rc(["forget"], {}, {})]);
  expect(reviewPlanPair({ name: "s", plan: clean, synth: () => undefined }, { name: "s", plan: odd, synth: () => undefined }).findings.map((f) => f.rule)).toEqual(["unreadable"]);
});

test("shown() redacts material-looking tokens and keeps Terraform names", () => {
  expect(shown(`aws_secretsmanager_secret.Signing_Key-k2_Secret_394260E1 and ${TOKEN}`)).toBe("aws_secretsmanager_secret.Signing_Key-k2_Secret_394260E1 and <redacted 32 chars>");
});

describe("AWS ElastiCache Redis (StemRedis, lib/aws/redis.ts): synth pairs of the walk", () => {
  const walk = walkLedgers(AWS_WALK_STEPS);
  const stacks = walk.map((w) => redisStackJson(w.ledger));
  const pairReview = (base: Json, head: Json) => reviewSynthPair([{ name: "redis", json: base }], [{ name: "redis", json: head }]);
  const verdict = (r: ChangeReview) => ({ ok: r.ok, steps: r.steps, findings: r.findings.map((f) => f.message) });

  test("markRedis: the replication group, its users and the stored password copies get the Redis purpose", () => {
    const r = pairReview(stacks[1], stacks[2]);
    expect(r.stacks[0].changes.map((c) => `${c.purpose}: ${c.type} ${c.action}`)).toEqual([
      "Redis: aws_elasticache_replication_group change",
      "Redis: aws_elasticache_user change",
      "signing keyring: aws_secretsmanager_secret_version replace",
      "signing keyring: aws_secretsmanager_secret_version replace",
      "signing keyring: aws_secretsmanager_secret_version replace",
      "Redis: terraform_data add",
    ]);
  });

  test.each(walk.slice(1).map((w, i) => [w.step, i + 1] as const))("the legal step %s passes, as one Redis step", (step, i) => {
    const r = pairReview(stacks[i - 1], stacks[i]);
    expect(verdict(r)).toEqual({ ok: true, steps: [`${step.startsWith("tls") ? "redis-tls" : "redis-passwords"}: ${step}`], findings: [] });
    // A step that moves the clients' Redis env rewrites the wired keyring's role secrets, explained by the Redis step.
    for (const c of r.stacks[0].changes.filter((c) => c.action === "replace")) expect({ address: c.address, by: c.explainedBy }).toEqual({ address: c.address, by: step });
  });

  test("the walk's replaces and destroys: role secret versions when the clients' env moves, the retired password's stored copy", () => {
    const rows = walk.slice(1).map((w, i) => {
      const changes = pairReview(stacks[i], stacks[i + 1]).stacks[0].changes;
      return [w.step, changes.filter((c) => c.action === "replace" || c.action === "destroy").map((c) => `${c.action} ${c.type}`).join(", ") || "-"];
    });
    const roleSecrets = Array(3).fill("replace aws_secretsmanager_secret_version").join(", ");
    expect(rows).toEqual([
      ["tls dual", "-"],
      ["password init pw1", roleSecrets],
      ["tls clients-tls", roleSecrets],
      ["tls tls-only", "-"],
      ["password stage pw2", "-"],
      ["password activate pw2", roleSecrets],
      ["password retire pw1", "destroy terraform_data"],
    ]);
  });

  test("a changed construct id of the Redis fails: its replication group, users and stored passwords are destroyed and created again", () => {
    const r = pairReview(stacks[3], redisStackJson(walk[3].ledger, {}, { redisId: "Cache" }));
    expect(r.ok).toBe(false);
    expect(r.findings.find((f) => f.rule === "construct-id")?.message).toMatch(/^construct id changed: StemRedis redis\/Redis is now redis\/Cache; its resources get new addresses, so Terraform destroys \d+ and creates them again \(keep the id "Redis"\)$/);
    const destroyed = r.findings.filter((f) => f.rule === "unexplained-destroy").map((f) => f.address!.replace(/_[0-9A-F]{8}$/, ""));
    expect(destroyed).toEqual(expect.arrayContaining(["aws_elasticache_replication_group.Redis_ReplicationGroup", "aws_elasticache_user.Redis_DefaultUser", "terraform_data.Redis_Password-pw1"]));
  });

  test("a Redis replace fails: a new port (forces replacement), and turning TLS on for an engine below 7.0.5", () => {
    const port = pairReview(stacks[3], redisStackJson(walk[3].ledger, { port: 6380 }));
    expect(port.findings.map((f) => f.message)).toContainEqual(expect.stringMatching(/^replace of the stateful aws_elasticache_replication_group\.Redis_ReplicationGroup_\w+ \(redis\/Redis\) that no ledger step explains \(synth: port forces replacement/));
    // The construct refuses engine 6.2; a stack patched after synth is what the provider would replace (aws-redis.transition.ts plans it).
    const to62 = (json: Json) => {
      for (const rg of Object.values(json.resource.aws_elasticache_replication_group) as Json[]) rg.engine_version = "6.2";
      return json;
    };
    const old = pairReview(to62(redisStackJson(walk[0].ledger)), to62(redisStackJson(walk[1].ledger)));
    expect(old.findings.map((f) => f.message)).toContainEqual(expect.stringMatching(/^replace of the stateful aws_elasticache_replication_group\.\w+ \(redis\/Redis\) that no ledger step explains \(synth: transit_encryption_enabled forces replacement/));
    // Control: the same step on 7.1 changes the group in place.
    expect(pairReview(stacks[0], stacks[1]).stacks[0].changes.map((c) => c.action)).toEqual(["change"]);
  });

  test("a Redis step without its stored copy, and one that leaves the wired role secrets alone, fail with what is missing", () => {
    const dropCopy = (json: Json) => {
      for (const name of Object.keys(json.resource.terraform_data)) if (name.startsWith("Redis_Password-pw2_")) delete json.resource.terraform_data[name];
      return json;
    };
    expect(verdict(pairReview(stacks[4], dropCopy(redisStackJson(walk[5].ledger)))).findings).toEqual([expect.stringMatching(/^password stage pw2 must store the password's copy \(redis\/Redis\/Password-pw2\); the synthesized diff does not touch it$/)]);
    // clients-tls with the role secrets of base: the clients would keep redis:// URLs.
    const stale = redisStackJson(walk[3].ledger);
    stale.resource.aws_secretsmanager_secret_version = stacks[2].resource.aws_secretsmanager_secret_version;
    expect(verdict(pairReview(stacks[2], stale)).findings).toEqual(
      ["producer", "worker", "beat"].map((role) => `tls clients-tls changes the ${role} Redis URLs, so the ${role} role secret version of redis/Signing must be rewritten (redis/Signing/Role-${role}/Version); the synthesized diff does not touch it`),
    );
  });
});

test("a plan file is read with the cdk.tf.json beside it (construct paths, ledgers, the stack's name)", async () => {
  const dir = synthApps(firstLedgers(), { stacks: ["aws"] });
  try {
    const stackDir = path.join(dir, "stacks", "stem-aws");
    const noop = plan([]);
    fs.writeFileSync(path.join(stackDir, "base.json"), JSON.stringify(noop));
    fs.writeFileSync(path.join(stackDir, "head.json"), JSON.stringify(noop));
    const io = fakeIo(stackDir);
    const code = await main(["review", "--base", "base.json", "--head", "head.json", "--json"], io);
    const out = JSON.parse(io.out());
    expect({ code, findings: out.findings, stacks: out.stacks.map((s: { name: string }) => s.name), ledgers: out.ledgers.map((l: { construct: string; verdict: string }) => `${l.construct} ${l.verdict}`) }).toEqual({
      code: 0,
      findings: [],
      stacks: ["stem-aws"],
      ledgers: ["stem-aws/Signing unchanged", "stem-aws/Tls unchanged"],
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
