import { StemguardError } from "../../../lib/core/errors";
import { ipToBytes, parseSans } from "../../../lib/core/tls/sans";

describe("parseSans", () => {
  test("splits a comma list, trims, and tells IP literals from DNS names", () => {
    expect(parseSans(" redis.internal , localhost,127.0.0.1, ::1,[fd00::5]")).toEqual([
      { type: "dns", value: "redis.internal" },
      { type: "dns", value: "localhost" },
      { type: "ip", value: "127.0.0.1" },
      { type: "ip", value: "::1" },
      { type: "ip", value: "fd00::5" },
    ]);
  });

  test("accepts arrays (entries may themselves be comma lists) and lower-cases DNS names", () => {
    expect(parseSans(["Redis.Example.COM", "a.b,10.0.0.5"])).toEqual([
      { type: "dns", value: "redis.example.com" },
      { type: "dns", value: "a.b" },
      { type: "ip", value: "10.0.0.5" },
    ]);
  });

  test("canonicalises IPv6 literals (RFC 5952) and allows a leftmost wildcard", () => {
    expect(parseSans("2001:DB8:0:0:0:0:0:1,*.redis.example.com")).toEqual([
      { type: "ip", value: "2001:db8::1" },
      { type: "dns", value: "*.redis.example.com" },
    ]);
  });

  test.each([
    ["", /at least one subjectAltName/],
    [" , ", /at least one subjectAltName/],
    ["redis,,localhost", /empty entry/],
    ["*", /wildcard needs at least two labels/],
    ["*.com", /wildcard needs at least two labels/],
    ["redis*.example.com", /whole leftmost label/],
    ["a.*.example.com", /whole leftmost label/],
    ["*.*.example.com", /whole leftmost label/],
    ["1.2.3.256", /not a valid IPv4/],
    ["127.1", /not a valid IPv4/],
    ["redis:6379", /not a valid IPv6/],
    ["fe80::1%eth0", /zone id/],
    ["redis.example.com.", /trailing dot/],
    ["-redis", /not a valid DNS name/],
    ["redis_1.internal", /not a valid DNS name/],
    ["a".repeat(64) + ".com", /not a valid DNS name/],
    ["localhost,LOCALHOST", /duplicate subjectAltName/],
    ["::1,0:0:0:0:0:0:0:1", /duplicate subjectAltName/],
  ])("fails on %j with a StemguardError naming sans, the value and a fix", (input, pattern) => {
    let error: unknown;
    try {
      parseSans(input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StemguardError);
    const e = error as StemguardError;
    expect(e.field).toBe("sans");
    expect(e.message).toMatch(pattern);
    expect(e.message).toMatch(/\(got .+\)\. Fix: .+/);
  });

  test("ipToBytes gives network-order bytes for v4, v6 and v4-mapped v6", () => {
    expect(ipToBytes("10.1.2.3").toString("hex")).toBe("0a010203");
    expect(ipToBytes("::1").toString("hex")).toBe("00000000000000000000000000000001");
    expect(ipToBytes("fe80::1:2").toString("hex")).toBe("fe800000000000000000000000010002");
    expect(ipToBytes("::ffff:1.2.3.4").toString("hex")).toBe("00000000000000000000ffff01020304");
    expect(ipToBytes("1:2:3:4:5:6:7:8").toString("hex")).toBe("00010002000300040005000600070008");
  });
});
