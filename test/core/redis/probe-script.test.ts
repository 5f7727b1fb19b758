import { spawnSync } from "node:child_process";
import { currentRedisPhase } from "../../../lib/core/redis/ledger-file";
import { renderProbeScript } from "../../../lib/core/redis/probe-script";
import { fullWalkSteps } from "./walk";

describe("Redis readiness probe script", () => {
  const walk = fullWalkSteps();
  const phaseAt = (step: string) => currentRedisPhase(walk.find((w) => w.step === step)!.ledger);
  const files = { ca: "/etc/stem/tls/ca/ca.crt", clientCert: "/etc/stem/tls/client/tls.crt", clientKey: "/etc/stem/tls/client/tls.key" };

  test("checks every listener of the phase: plain, both in dual, TLS only in tls-only", () => {
    const plain = renderProbeScript(phaseAt("init plain"));
    expect(plain).toContain("ready -h 127.0.0.1 -p 6379 || exit 1");
    expect(plain).not.toContain("--tls");
    const dual = renderProbeScript(phaseAt("tls dual"), { tlsFiles: files });
    expect(dual).toContain("ready -h 127.0.0.1 -p 6379 || exit 1");
    expect(dual).toContain(`ready --tls --cacert ${files.ca} --cert ${files.clientCert} --key ${files.clientKey} -h 127.0.0.1 -p 6380 || exit 1`);
    const only = renderProbeScript(phaseAt("client-auth yes"), { tlsFiles: files, tlsPort: 6390 });
    expect(only).not.toContain("-p 6379");
    expect(only).toContain("-p 6390");
    // AUTH from the mounted file, through the environment (never argv).
    expect(only).toContain("REDISCLI_AUTH=$(cat /etc/stemguard/redis-auth/password)");
  });

  test("fails in TLS phases without the CA, and at client-auth yes without a client certificate", () => {
    expect(() => renderProbeScript(phaseAt("tls dual"))).toThrow(/needs the CA bundle path/);
    expect(() => renderProbeScript(phaseAt("client-auth yes"), { tlsFiles: { ca: files.ca } })).toThrow(/must present a client certificate/);
  });

  test("the rendered probe is valid POSIX sh", () => {
    const script = renderProbeScript(phaseAt("tls dual"), { tlsFiles: files });
    expect(spawnSync("sh", ["-n"], { input: script, encoding: "utf8" }).status).toBe(0);
  });
});
