import { main } from "../../../lib/cli/main";
import { parseRedisUrl } from "../../../lib/core/health/redis-url";
import { fakeIo } from "../../support/fake-io";

// A password containing '/', '?' or '#' ends a URL's authority early (Dart's
// Uri.parse, like every RFC 3986 parser), so pieces of it turned up as an
// "invalid port", a host or a database path, and the printed URL named the
// host after the last '@' while Stem would connect elsewhere.
const FRAGMENTS = ["topS3cret", "zz9Qx", "48213"];

describe("health never prints a password with '/', '?' or '#', and prints the URL it connects to", () => {
  it.each([
    ["slash, letters before it", "redis://:topS3cret/zz9Qx@127.0.0.1:1/0"],
    ["slash, digits before it (would connect to localhost:48213)", "redis://:48213/topS3cret@127.0.0.1:1/0"],
    ["question mark", "rediss://:topS3cret?zz9Qx@127.0.0.1:1/0"],
    ["hash", "rediss://:topS3cret#zz9Qx@127.0.0.1:1/0"],
    ["user name and slash", "redis://alice:topS3cret/zz9Qx@127.0.0.1:1"],
    ["password-only userinfo read as a host", "redis://topS3cret/zz9Qx@127.0.0.1:1"],
  ])("%s: exit 64 naming the field and the fix, no fragment printed (text and --json)", async (_name, url) => {
    for (const args of [["health", "--skip-backend"], ["health", "--skip-backend", "--json"]]) {
      const io = fakeIo(process.cwd(), { STEM_BROKER_URL: url });
      expect(await main(args, io)).toBe(64);
      const all = io.out() + io.err();
      expect(all).toContain("STEM_BROKER_URL: has an '@' after the end of the host part");
      expect(all).toContain("Fix: use a password from [A-Za-z0-9._~-]");
      for (const fragment of FRAGMENTS) expect(all).not.toContain(fragment);
    }
  });

  it("redacts the same way for --broker and --backend", async () => {
    const io = fakeIo(process.cwd(), {});
    expect(await main(["health", "--broker", "redis://127.0.0.1:1/0", "--backend", "redis://:topS3cret/zz9Qx@127.0.0.1:1/1"], io)).toBe(64);
    expect(io.err()).toContain("--backend: has an '@' after the end of the host part");
    for (const fragment of FRAGMENTS) expect(io.out() + io.err()).not.toContain(fragment);
  });

  it.each([
    ["redis://:pw@127.0.0.1:1/00", "redis://:***@127.0.0.1:1/0"],
    ["redis://:pw@127.0.0.1:1", "redis://:***@127.0.0.1:1"],
    ["redis://alice:pw@127.0.0.1:1/2", "redis://alice:***@127.0.0.1:1/2"],
    ["redis://pw@127.0.0.1:1/0x3", "redis://***@127.0.0.1:1/3"],
  ])("prints %s as parsed: %s (exit 70 on connection failure)", async (url, shown) => {
    const io = fakeIo(process.cwd(), { STEM_BROKER_URL: url });
    expect(await main(["health", "--skip-backend", "--timeout", "2000", "--json"], io)).toBe(70);
    const [result] = JSON.parse(io.out()) as { message: string }[];
    expect(result.message).toMatch(new RegExp(`^Connection failed for ${shown.replace(/[.*?/]/g, "\\$&")}: `));
    expect(io.out() + io.err()).not.toMatch(/:pw@|\/\/pw@/);
  });

  it("prints the default host and port it connects to", () => {
    expect(parseRedisUrl("rediss://:pw@/0").redacted).toBe("rediss://:***@localhost:6379/0");
    expect(parseRedisUrl("redis://[::1]").redacted).toBe("redis://[::1]:6379");
  });
});
