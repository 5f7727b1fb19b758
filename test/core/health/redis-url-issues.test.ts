import { parseRedisUrl } from "../../../lib/core/health/redis-url";
import { redisUrlIssues } from "../../../lib/core/health/redis-url-issues";

const codes = (url: string, tlsEnvSet = false) =>
  redisUrlIssues(parseRedisUrl(url), { field: "STEM_BROKER_URL", tlsEnvSet }).map((i) => i.code);

describe("redisUrlIssues", () => {
  it("finds nothing in the recommended form", () => {
    expect(codes("rediss://:Ab3.-_~x@redis.internal:6379/0", true)).toEqual([]);
  });

  it("flags password characters Stem would pass on encoded", () => {
    expect(codes("rediss://:p%2Fw@h:6379/0")).toContain("password-charset");
    expect(codes("rediss://:p@ss@h:6379/0")).toContain("password-charset");
  });

  it("flags an ACL user name, which Stem ignores", () => {
    expect(codes("rediss://alice:pw@h:6379/0")).toEqual(["acl-username"]);
  });

  it("flags more than one ':' in userinfo", () => {
    expect(codes("rediss://a:b:c@h:6379/0")).toContain("userinfo-colons");
  });

  it("flags an empty password", () => {
    expect(codes("rediss://:@h:6379/0")).toContain("password-empty");
  });

  it("flags redis:// while STEM_TLS_* paths are set, and a password over plain TCP", () => {
    expect(codes("redis://h:6379/0", true)).toEqual(["tls-env-ignored"]);
    expect(codes("redis://:pw@h:6379/0")).toEqual(["password-plaintext"]);
  });

  it("flags port 0 and an empty port, which Dart turns into 6379", () => {
    expect(codes("rediss://h:0/0")).toContain("port-zero");
    expect(codes("rediss://h:/0")).toContain("port-zero");
    expect(codes("rediss://[::1]:0/0")).toContain("port-zero");
    expect(codes("rediss://h/0")).not.toContain("port-zero");
  });

  it("flags a port above 65535", () => {
    expect(codes("rediss://h:70000/0")).toContain("port-range");
  });

  it("flags database paths Stem reads differently or ignores", () => {
    expect(codes("rediss://h:1/db")).toContain("db-ignored");
    expect(codes("rediss://h:1/0x1")).toContain("db-format");
    expect(codes("rediss://h:1/01")).toContain("db-format");
    expect(codes("rediss://h:1/-1")).toContain("db-negative");
  });

  it("flags a missing scheme", () => {
    expect(codes("//h:1/0")).toContain("scheme-missing");
  });

  it("never puts the password in a message", () => {
    const issues = redisUrlIssues(parseRedisUrl("redis://alice:hunter%2F22@h:0/x"), { tlsEnvSet: true });
    expect(issues.length).toBeGreaterThan(3);
    for (const issue of issues) expect(issue.message).not.toContain("hunter");
  });
});
