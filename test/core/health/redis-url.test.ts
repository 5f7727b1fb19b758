import fc from "fast-check";
import { StemguardError } from "../../../lib/core/errors";
import { parseRedisUrl, redactUrl, scrubSecret, urlScheme } from "../../../lib/core/health/redis-url";

describe("parseRedisUrl", () => {
  it("reads host, port, password and db like Stem", () => {
    const url = parseRedisUrl("rediss://:s3cret@redis.internal:6380/1");
    expect(url).toMatchObject({
      scheme: "rediss",
      tls: true,
      host: "redis.internal",
      port: 6380,
      password: "s3cret",
      username: undefined,
      db: 1,
      redacted: "rediss://:***@redis.internal:6380/1",
    });
  });

  it("defaults host to localhost and port to 6379, also for rediss", () => {
    const url = parseRedisUrl("rediss://");
    expect(url.host).toBe("localhost");
    expect(url.port).toBe(6379);
    expect(url.hostGiven).toBe(false);
    expect(url.portGiven).toBe(false);
  });

  it("treats a URL without scheme as redis (plain TCP)", () => {
    const url = parseRedisUrl("//h:1");
    expect(url.scheme).toBe("redis");
    expect(url.schemeGiven).toBe(false);
    expect(url.tls).toBe(false);
  });

  it("takes parts[1] as password for user:password and keeps the user name aside", () => {
    const url = parseRedisUrl("redis://alice:pw@h");
    expect(url.password).toBe("pw");
    expect(url.username).toBe("alice");
  });

  it("takes the whole userinfo as password when it has no ':'", () => {
    expect(parseRedisUrl("redis://pw@h").password).toBe("pw");
  });

  it("takes parts[0] as password when the userinfo has more than one ':'", () => {
    const url = parseRedisUrl("redis://a:b:c@h");
    expect(url.password).toBe("a");
    expect(url.username).toBeUndefined();
  });

  it("does not percent-decode the password beyond Dart's normalization", () => {
    expect(parseRedisUrl("redis://:p%2Fw@h").password).toBe("p%2Fw");
    expect(parseRedisUrl("redis://:p%7Ew@h").password).toBe("p~w");
  });

  it("sends no AUTH for an empty userinfo", () => {
    expect(parseRedisUrl("redis://@h").password).toBeUndefined();
  });

  it("reads the db with Dart's int.tryParse and ignores non-numbers", () => {
    expect(parseRedisUrl("redis://h/0x2").db).toBe(2);
    expect(parseRedisUrl("redis://h/+3").db).toBe(3);
    expect(parseRedisUrl("redis://h/db").db).toBeUndefined();
    expect(parseRedisUrl("redis://h/db").dbSegment).toBe("db");
    expect(parseRedisUrl("redis://h/4/x").db).toBe(4);
    expect(parseRedisUrl("redis://h").dbSegment).toBeUndefined();
  });

  it("connects to 6379 for an explicit :0 (Dart drops it)", () => {
    expect(parseRedisUrl("redis://h:0").port).toBe(6379);
  });

  it.each([" redis://h/0", "redis://h/0\n", " "])("fails on surrounding whitespace in %j (Stem does not trim the broker URL)", (text) => {
    expect(() => parseRedisUrl(text, "STEM_BROKER_URL")).toThrow(/STEM_BROKER_URL: has leading or trailing whitespace/);
  });

  it("fails on a non-Redis scheme, naming the field and without the password", () => {
    let error: unknown;
    try {
      parseRedisUrl("http://:hunter22@h", "STEM_BROKER_URL");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StemguardError);
    expect(String(error)).toMatch(/STEM_BROKER_URL: scheme "http" is not a Redis scheme/);
    expect(String(error)).not.toContain("hunter22");
  });

  it("fails on an unparseable URL without printing the password", () => {
    expect(() => parseRedisUrl("rediss://:hunter22@h:12x", "STEM_BROKER_URL")).toThrow(/Invalid port.*:\*\*\*@h:12x/);
    expect(() => parseRedisUrl("rediss://:hunter22@h:12x")).not.toThrow(/hunter22/);
  });
});

describe("redactUrl", () => {
  it.each([
    ["rediss://:pw@h:1/0", "rediss://:***@h:1/0"],
    ["redis://user:pw@h", "redis://***@h"], // the user name too: a secret can stand there
    ["redis://alice:s3cret@127.0.0.1:1", "redis://***@127.0.0.1:1"],
    ["redis://user@:secretpw@host", "redis://***@host"],
    ["redis://pw@h", "redis://***@h"],
    ["redis://a:b:c@h", "redis://***@h"],
    ["redis://:p@ss@h", "redis://:***@h"],
    ["redis://:pa/ss@h", "redis://***@h"],
    ["redis://user:pa?ss@h", "redis://***@h"],
    ["redis://us#er:pass@h/0", "redis://***@h/0"],
    ["redis:pw@h", "redis:***@h"],
    ["redis://h:6379/0", "redis://h:6379/0"],
    ["redis://@h", "redis://@h"],
  ])("redacts %s as %s", (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it("leaves nothing of the credentials: the redacted URL parses to password *** and the same target", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[@/?#[\]]/.test(s)),
        fc.constantFrom("redis", "rediss"),
        fc.integer({ min: 1, max: 65535 }),
        fc.integer({ min: 0, max: 15 }),
        (userInfo, scheme, port, db) => {
          const original = parseRedisUrl(`${scheme}://${userInfo}@host.example:${port}/${db}`);
          const redacted = parseRedisUrl(original.redacted);
          expect(redacted.password).toBe("***");
          expect(redacted.redacted).toBe(original.redacted);
          expect([redacted.host, redacted.port, redacted.db, redacted.tls]).toEqual([original.host, original.port, original.db, original.tls]);
        },
      ),
    );
  });
});

describe("scrubSecret", () => {
  it("replaces every occurrence of a secret of 3+ characters", () => {
    expect(scrubSecret("a hunter2 b hunter2", "hunter2")).toBe("a *** b ***");
    expect(scrubSecret("abc", "ab")).toBe("abc");
    expect(scrubSecret("abc", undefined)).toBe("abc");
  });
});

describe("urlScheme", () => {
  it("lowercases and returns empty when absent", () => {
    expect(urlScheme("PostgreSQL+SSL://x")).toBe("postgresql+ssl");
    expect(urlScheme("//x")).toBe("");
  });
});
