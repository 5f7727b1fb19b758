import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StemConfigError, StemguardError } from "../../../lib/core/errors";
import { MISSING_BROKER_MESSAGE, planHealthChecks } from "../../../lib/core/health/run-health";

const SECRET = "Zq9-hunter.77";

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}

describe("planHealthChecks", () => {
  it("fails with Stem's message when STEM_BROKER_URL is missing or empty", () => {
    for (const env of [{}, { STEM_BROKER_URL: "" }]) {
      const err = errorOf(() => planHealthChecks({ env }));
      expect(err).toBeInstanceOf(StemConfigError);
      expect((err as StemConfigError).stemMessage).toBe(MISSING_BROKER_MESSAGE);
    }
  });

  it("does not trim STEM_BROKER_URL: a whitespace-only value is not 'missing' but fails as whitespace", () => {
    const err = errorOf(() => planHealthChecks({ env: { STEM_BROKER_URL: " " } }));
    expect(err).toBeInstanceOf(StemguardError);
    expect(err.message).toMatch(/^STEM_BROKER_URL: has leading or trailing whitespace/);
  });

  it("lets --broker (trimmed) override the env and ignores a blank flag", () => {
    const plan = planHealthChecks({ env: { STEM_BROKER_URL: "redis://a:1/0" }, broker: "  redis://b:2/0 " });
    expect(plan.targets.map((t) => t.url.host)).toEqual(["b"]);
    expect(planHealthChecks({ env: { STEM_BROKER_URL: "redis://a:1/0" }, broker: "  " }).targets[0].url.host).toBe("a");
  });

  it("checks the backend only when set (trimmed) and not skipped", () => {
    const env = { STEM_BROKER_URL: "redis://a:1/0", STEM_RESULT_BACKEND_URL: " redis://a:1/1 " };
    expect(planHealthChecks({ env }).targets.map((t) => [t.component, t.url.db])).toEqual([
      ["broker", 0],
      ["backend", 1],
    ]);
    expect(planHealthChecks({ env, skipBackend: true }).targets).toHaveLength(1);
    expect(planHealthChecks({ env: { ...env, STEM_RESULT_BACKEND_URL: "  " } }).targets).toHaveLength(1);
    expect(planHealthChecks({ env: { STEM_BROKER_URL: "redis://a:1/0" }, backend: "redis://c:3/2" }).targets[1].url.host).toBe("c");
  });

  it("sets allowInsecure from --allow-insecure", () => {
    expect(planHealthChecks({ env: { STEM_BROKER_URL: "rediss://a:1/0" }, allowInsecure: true }).tls.allowInsecure).toBe(true);
  });

  it.each(["postgresql://u:pw@db:5432/stem", "postgres+ssl://db/stem"])("fails on a Postgres broker %s: Redis only", (url) => {
    const err = errorOf(() => planHealthChecks({ env: { STEM_BROKER_URL: url } }));
    expect(err).toBeInstanceOf(StemguardError);
    expect(err.message).toMatch(/stemguard health checks Redis only; this URL uses scheme "postgres/);
    expect(err.message).not.toContain(":pw@");
  });

  it("fails on a sqlite backend but suggests --skip-backend", () => {
    const err = errorOf(() => planHealthChecks({ env: { STEM_BROKER_URL: "redis://a/0", STEM_RESULT_BACKEND_URL: "sqlite:///x.db" } }));
    expect(err.message).toMatch(/STEM_RESULT_BACKEND_URL: stemguard health checks Redis only.*--skip-backend/);
  });

  it("fails on an unreadable STEM_TLS_CA_CERT for rediss://, before any connection", () => {
    const missing = path.join(os.tmpdir(), "stemguard-no-such-dir", "ca.crt");
    const err = errorOf(() => planHealthChecks({ env: { STEM_BROKER_URL: "rediss://h:1/0", STEM_TLS_CA_CERT: missing } }));
    expect(err).toBeInstanceOf(StemguardError);
    expect(err.message).toContain("STEM_TLS_CA_CERT");
    expect(err.message).toContain(missing);
  });

  it("ignores STEM_TLS_* files for redis:// (as Stem) but warns", () => {
    const plan = planHealthChecks({ env: { STEM_BROKER_URL: "redis://h:1/0", STEM_TLS_CA_CERT: "/nope" } });
    expect(plan.material.ca).toBeUndefined();
    expect(plan.issues.map((i) => i.code)).toEqual(["tls-env-ignored"]);
  });

  it("reports stricter findings as issues, and refuses them with strict", () => {
    const env = { STEM_BROKER_URL: `rediss://alice:${SECRET}@h:1/0` };
    expect(planHealthChecks({ env }).issues.map((i) => i.code)).toEqual(["acl-username"]);
    const err = errorOf(() => planHealthChecks({ env, strict: true }));
    expect(err).toBeInstanceOf(StemguardError);
    expect(err.message).toMatch(/--strict: 1 stricter-than-Stem check\(s\) failed: STEM_BROKER_URL: names ACL user "alice"/);
    expect(err.message).not.toContain(SECRET);
  });

  it("reads a CA file that exists", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-plan-"));
    try {
      fs.writeFileSync(path.join(dir, "empty.crt"), "");
      const err = errorOf(() =>
        planHealthChecks({ env: { STEM_BROKER_URL: "rediss://h:1/0", STEM_TLS_CA_CERT: path.join(dir, "empty.crt") } }),
      );
      expect(err.message).toMatch(/not a certificate/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
