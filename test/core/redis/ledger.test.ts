import { diffSections } from "../../../lib/core/ledger/diff";
import {
  applyRedisPasswordStep,
  applyRedisTlsStep,
  currentRedisPhase,
  initRedisLedger,
  parseRedisLedger,
  redisWalk,
  serializeRedisLedger,
  type RedisLedger,
} from "../../../lib/core/redis/ledger-file";
import { fullWalk } from "./walk";
import { refused } from "../../support/refused";


const mode = (l: RedisLedger, m: "dual" | "clients-tls" | "tls-only") => applyRedisTlsStep(l, { op: "mode", mode: m });
const auth = (l: RedisLedger, v: "optional" | "yes") => applyRedisTlsStep(l, { op: "client-auth", clientAuth: v });

describe("Redis ledger (TLS mode and passwords in one file)", () => {
  test("the TLS mode moves one step at a time: plain -> dual -> clients-tls -> tls-only", () => {
    let l = initRedisLedger("plain");
    expect(currentRedisPhase(l)).toEqual({ mode: "plain", clientAuth: "no", acceptedPasswords: [], activePassword: undefined });
    const skip = refused(() => mode(l, "tls-only"));
    expect(skip.problem).toMatch(/plain -> tls-only skips dual, clients-tls/);
    expect(skip.fix).toBe("take one step: 'stemguard redis tls dual'");
    expect(refused(() => mode(l, "clients-tls")).problem).toMatch(/skips dual/);
    l = mode(l, "dual");
    expect(refused(() => mode(l, "dual")).problem).toBe("Redis is already in mode dual");
    l = mode(mode(l, "clients-tls"), "tls-only");
    expect(currentRedisPhase(l).mode).toBe("tls-only");
    expect(refused(() => mode(l, "tls-only")).fix).toBe("nothing to do: Redis is TLS-only");
  });

  test("a new deployment may start at tls-only; no other mode but plain", () => {
    expect(currentRedisPhase(initRedisLedger("tls-only")).mode).toBe("tls-only");
    expect(refused(() => initRedisLedger("dual" as "plain")).problem).toMatch(/starts in plain .* or tls-only/);
  });

  test("client certificates: only once the server speaks TLS, and no -> optional -> yes", () => {
    const plain = initRedisLedger("plain");
    expect(refused(() => auth(plain, "optional")).problem).toMatch(/the server must speak TLS first/);
    const dual = mode(plain, "dual");
    expect(refused(() => auth(dual, "yes")).problem).toMatch(/skips optional/);
    expect(currentRedisPhase(auth(auth(dual, "optional"), "yes")).clientAuth).toBe("yes");
  });

  test("passwords: refused before the server speaks TLS; every step records the TLS phase", () => {
    const plain = initRedisLedger("plain");
    const e = refused(() => applyRedisPasswordStep(plain, "init", "pw1"));
    expect(e.problem).toMatch(/needs a server that speaks TLS/);
    expect([e.field, e.value]).toEqual(["password init pw1", "plain"]);
    expect(e.fix).toMatch(/stemguard redis tls dual/);
    const l = applyRedisPasswordStep(mode(plain, "dual"), "init", "pw1");
    expect(l.passwords!.history).toEqual([{ phase: 1, op: "init", passwordId: "pw1", tlsPhase: 2 }]);
    expect(currentRedisPhase(l)).toMatchObject({ acceptedPasswords: ["pw1"], activePassword: "pw1" });
  });

  test("password rotation: stage (both accepted), activate (clients send the new one), retire (old refused)", () => {
    let l = applyRedisPasswordStep(mode(initRedisLedger("plain"), "dual"), "init", "pw1");
    expect(refused(() => applyRedisPasswordStep(l, "retire", "pw1")).fix).toMatch(/stage and activate a new one first/);
    l = applyRedisPasswordStep(l, "stage", "pw2");
    expect(currentRedisPhase(l)).toMatchObject({ acceptedPasswords: ["pw1", "pw2"], activePassword: "pw1" });
    l = applyRedisPasswordStep(l, "activate", "pw2");
    expect(currentRedisPhase(l)).toMatchObject({ acceptedPasswords: ["pw1", "pw2"], activePassword: "pw2" });
    l = applyRedisPasswordStep(l, "retire", "pw1");
    expect(currentRedisPhase(l)).toMatchObject({ acceptedPasswords: ["pw2"], activePassword: "pw2" });
    expect(refused(() => applyRedisPasswordStep(l, "stage", "pw1")).problem).toMatch(/ids are never reused/);
    const dashed = applyRedisPasswordStep(mode(initRedisLedger("plain"), "dual"), "init", "pw-1");
    expect(refused(() => applyRedisPasswordStep(dashed, "stage", "pw.1")).problem).toMatch(/same Terraform variable/);
  });

  test("the file round-trips byte for byte and always keeps its sections shape", () => {
    const tlsOnly = initRedisLedger("plain");
    const text = serializeRedisLedger(tlsOnly);
    expect(JSON.parse(text).sections).toHaveLength(1);
    const full = fullWalk();
    const fullText = serializeRedisLedger(full);
    expect(serializeRedisLedger(parseRedisLedger(JSON.parse(fullText)))).toBe(fullText);
    expect(fullText).toContain('{"id": "pw1", "state": "retired"}');
    expect(fullText).not.toMatch(/[A-Za-z0-9_-]{40,}/); // ids and states only, no material
  });

  test("a hand-forged password before TLS, or a TLS revert below a password step, does not parse", () => {
    const data = JSON.parse(serializeRedisLedger(applyRedisPasswordStep(mode(initRedisLedger("plain"), "dual"), "init", "pw1")));
    const forged = structuredClone(data);
    forged.sections[1].history[0].tlsPhase = 1;
    expect(refused(() => parseRedisLedger(forged)).problem).toMatch(/needs a server that speaks TLS/);
    const reverted = structuredClone(data);
    reverted.sections[0].history.pop();
    reverted.sections[0].phase = 1;
    reverted.sections[0].mode = "plain";
    expect(refused(() => parseRedisLedger(reverted)).problem).toMatch(/at most the TLS section's phase \(1\)/);
    const alone = { schemaVersion: 1, sections: [data.sections[1]] };
    expect(refused(() => parseRedisLedger(alone)).problem).toMatch(/need the Redis TLS section in the same file/);
  });

  test("the walk interleaves both sections in the order the steps were taken", () => {
    expect(redisWalk(fullWalk()).map((p) => p.step)).toEqual([
      "init plain",
      "tls dual",
      "password init pw1",
      "tls clients-tls",
      "tls tls-only",
      "client-auth optional",
      "client-auth yes",
      "password stage pw2",
      "password activate pw2",
      "password retire pw1",
    ]);
    const last = redisWalk(fullWalk()).at(-1)!.phase;
    expect(last).toEqual({ mode: "tls-only", clientAuth: "yes", acceptedPasswords: ["pw2"], activePassword: "pw2" });
  });

  test("what rolls: the server when it accepts something new, every role when their URLs change", () => {
    const dual = mode(initRedisLedger("plain"), "dual");
    const rolls = (a: RedisLedger, b: RedisLedger, which: "tls" | "passwords") => {
      const d = which === "tls" ? diffSections(a.tls, b.tls) : diffSections(a.passwords ?? emptyOf(b), b.passwords!);
      return d.kind === "step" ? d.rolls : d.kind;
    };
    const emptyOf = (b: RedisLedger) => ({ ...b.passwords!, phase: 0, history: [], state: b.passwords!.kind.initial({}) });
    expect(rolls(initRedisLedger("plain"), dual, "tls")).toEqual(["redis"]);
    const clients = mode(dual, "clients-tls");
    expect(rolls(dual, clients, "tls")).toEqual(["producer", "worker", "beat"]);
    expect(rolls(clients, mode(clients, "tls-only"), "tls")).toEqual(["redis"]);
    expect(rolls(clients, auth(clients, "optional"), "tls")).toEqual(["redis", "producer", "worker", "beat"]);
    expect(rolls(dual, auth(dual, "optional"), "tls")).toEqual(["redis"]);
    const pw = applyRedisPasswordStep(dual, "init", "pw1");
    const staged = applyRedisPasswordStep(pw, "stage", "pw2");
    expect(rolls(pw, staged, "passwords")).toEqual(["redis"]);
    const active = applyRedisPasswordStep(staged, "activate", "pw2");
    expect(rolls(staged, active, "passwords")).toEqual(["producer", "worker", "beat"]);
    expect(rolls(active, applyRedisPasswordStep(active, "retire", "pw1"), "passwords")).toEqual(["redis"]);
  });
});
