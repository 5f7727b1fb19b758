import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../../lib/cli/main";
import { fakeIo } from "../../support/fake-io";

// Root ignores permissions and a read-only mount cannot be made in a test, so
// the file system's answer to the writer's open() is injected here; every
// other fs call is the real one.
jest.mock("node:fs", () => {
  const actual = jest.requireActual<typeof import("node:fs")>("node:fs");
  return { ...actual, openSync: jest.fn(actual.openSync) };
});
const openSync = fs.openSync as jest.MockedFunction<typeof fs.openSync>;

describe("file system errors on write are bad input (exit 64 naming the flag and the fix), not internal errors", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-werr-"));
  });
  afterEach(() => {
    openSync.mockReset();
    openSync.mockImplementation(jest.requireActual<typeof import("node:fs")>("node:fs").openSync);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const failWrites = (code: string) =>
    openSync.mockImplementation((file, flags, mode) => {
      // Only opens that create a file fail; reads of ledgers and material stay real.
      if (typeof flags === "string" && flags.includes("w")) throw Object.assign(new Error(`${code}: injected`), { code, syscall: "open" });
      return jest.requireActual<typeof import("node:fs")>("node:fs").openSync(file, flags, mode);
    });

  it.each([
    ["EROFS", /cannot write the file \(EROFS\).*Fix: the file system is read-only; write somewhere else/],
    ["EACCES", /cannot write the file \(EACCES\).*Fix: check the permissions of the directory/],
    ["ENOSPC", /cannot write the file \(ENOSPC\).*Fix: the disk is full; free space and retry/],
    ["EDQUOT", /cannot write the file \(EDQUOT\).*Fix: the disk quota is exhausted/],
    ["EIO", /cannot write the file \(EIO\).*Fix: check the path, its permissions and free space/],
  ])("%s", async (code, message) => {
    const generate = fakeIo(dir);
    expect(await main(["rotate", "init", "k1", "--algorithm", "hmac-sha256"], generate)).toBe(0);
    expect(await main(["keys", "generate", "--algorithm", "hmac-sha256", "--id", "k1", "--out", "material/k1.env"], generate)).toBe(0);
    const before = fs.readdirSync(dir).sort();
    failWrites(code);
    const runs: [string[], string][] = [
      [["keys", "generate", "--algorithm", "hmac-sha256", "--id", "k2", "--out", "k2.env"], "--out"],
      [["env", "render", "--role", "worker", "--material", "material", "--out", "worker.env"], "--out"],
      // The ledger writer names the ledger file itself as the field.
      [["rotate", "stage", "k2"], "/\\S*stemguard\\.rotation\\.json"],
      [["env", "render", "--role", "worker", "--material", "material", "--out", "worker.env", "--json"], "--out"],
    ];
    for (const [argv, field] of runs) {
      const io = fakeIo(dir);
      expect(await main(argv, io)).toBe(64);
      expect(io.err()).toMatch(new RegExp(`${field}: ${message.source}`));
      expect(io.err()).not.toMatch(/internal error/);
      if (argv.includes("--json")) expect(JSON.parse(io.out())).toMatchObject({ ok: false, error: { field, fix: expect.any(String) } });
      expect(io.out() + io.err()).not.toMatch(/STEM_SIGNING_KEYS=/);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(before);
  });

  it("TLS writes name the flag that chose the directory (OUT_DIR, --material), and a bad CA id gets a CA-shaped example", async () => {
    // Declared already, so the first write is the material's (the manifest write has its own test above).
    fs.writeFileSync(path.join(dir, "stemguard.json"), JSON.stringify({ schemaVersion: 1, ledgers: [{ file: "stemguard.tls.json", kind: "tls-ca" }] }));
    failWrites("EROFS");
    const runs: [string[], string][] = [
      [["tls", "generate", "localhost", "out", "--key-size", "2048"], "OUT_DIR"],
      [["tls", "ca", "init", "ca-2026", "localhost", "--key-size", "2048", "--material", "pki"], "--material"],
      [["tls", "ca", "init", "ca-2026", "localhost", "--key-size", "2048", "--material", "pki", "--json"], "--material"],
    ];
    for (const [argv, field] of runs) {
      const io = fakeIo(dir);
      expect(await main(argv, io)).toBe(64);
      expect(io.err()).toMatch(new RegExp(`^stemguard: ${field}: cannot write the file \\(EROFS\\)`, "m"));
      if (argv.includes("--json")) expect(JSON.parse(io.out())).toMatchObject({ ok: false, error: { field } });
      expect(io.out() + io.err()).not.toMatch(/PRIVATE KEY/);
    }
    expect(fs.readdirSync(dir)).toEqual(["stemguard.json"]);
    openSync.mockImplementation(jest.requireActual<typeof import("node:fs")>("node:fs").openSync);
    const bad = fakeIo(dir);
    expect(await main(["tls", "ca", "init", "ca 2026", "localhost", "--key-size", "2048"], bad)).toBe(64);
    expect(bad.err()).toMatch(/CA id must match \[A-Za-z0-9._-\]\+.*e\.g\. redis-ca-2027/s);
    expect(bad.err()).not.toMatch(/k2026-11/);
    expect(fs.readdirSync(dir)).toEqual(["stemguard.json"]);
  });
});
