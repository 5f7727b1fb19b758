import { DartUriFormatError, dartIntTryParse, parseDartUri } from "../../../lib/core/health/dart-uri";

describe("parseDartUri", () => {
  it("splits a full rediss URL", () => {
    expect(parseDartUri("rediss://user:pw@Redis.Internal:6380/2")).toEqual({
      scheme: "rediss",
      userInfo: "user:pw",
      host: "redis.internal",
      port: 6380,
      path: "/2",
      pathSegments: ["2"],
    });
  });

  it("lowercases the scheme and reports no port when absent", () => {
    const uri = parseDartUri("REDISS://host");
    expect(uri.scheme).toBe("rediss");
    expect(uri.port).toBeUndefined();
    expect(uri.pathSegments).toEqual([]);
  });

  it("drops an explicit port 0 and an empty port, as Dart's default-port rule does", () => {
    expect(parseDartUri("redis://h:0/1").port).toBeUndefined();
    expect(parseDartUri("redis://h:/1").port).toBeUndefined();
    expect(parseDartUri("redis://h:00/1").port).toBeUndefined();
  });

  it("takes the last '@' as the end of userinfo and encodes earlier ones", () => {
    const uri = parseDartUri("redis://:p@ss@host:1/0");
    expect(uri.userInfo).toBe(":p%40ss");
    expect(uri.host).toBe("host");
  });

  it("normalizes userinfo escapes: unreserved decoded, others upper-cased, stray % escaped", () => {
    expect(parseDartUri("redis://:p%41%2fx@h").userInfo).toBe(":pA%2Fx");
    expect(parseDartUri("redis://:100%@h").userInfo).toBe(":100%25");
    expect(parseDartUri("redis://:a b@h").userInfo).toBe(":a%20b");
  });

  it("strips IPv6 brackets", () => {
    const uri = parseDartUri("rediss://[::1]:6380/0");
    expect(uri.host).toBe("::1");
    expect(uri.port).toBe(6380);
  });

  it("decodes path segments and removes dot segments", () => {
    expect(parseDartUri("redis://h/%31").pathSegments).toEqual(["1"]);
    expect(parseDartUri("redis://h/a/../3").pathSegments).toEqual(["3"]);
    expect(parseDartUri("redis://h//1").pathSegments).toEqual(["", "1"]);
    expect(parseDartUri("redis://h/").pathSegments).toEqual([]);
  });

  it("treats a URL without // as having no host", () => {
    const uri = parseDartUri("redis:6379");
    expect(uri.host).toBe("");
    expect(uri.pathSegments).toEqual(["6379"]);
  });

  it.each([
    ["redis://h:63a9", /Invalid port/],
    ["redis://h:6379 ", /Invalid port/],
    ["1redis://h", /Illegal scheme/],
    ["rediss://[::g]:1", /IPv6/],
    ["rediss://[::1", /Missing end/],
    ["redis://h[x]", /Invalid character/],
  ])("fails on %s like Dart's Uri.parse", (text, message) => {
    expect(() => parseDartUri(text)).toThrow(DartUriFormatError);
    expect(() => parseDartUri(text)).toThrow(message);
  });
});

describe("dartIntTryParse", () => {
  it.each([
    ["1", 1n],
    ["01", 1n],
    ["+1", 1n],
    ["-2", -2n],
    [" 3 ", 3n],
    ["0x10", 16n],
    ["9223372036854775807", 9223372036854775807n],
  ])("reads %j as %s", (text, value) => {
    expect(dartIntTryParse(text)).toBe(value);
  });

  it.each(["", "abc", "1.0", "1e3", "9223372036854775808", "0x", "--1"])("returns undefined for %j", (text) => {
    expect(dartIntTryParse(text)).toBeUndefined();
  });
});
