import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../../lib/cli/main";
import { fakeIo } from "../../support/fake-io";

// Every file named on the command line is read as a regular file within a
// size cap: a FIFO used to block forever, /dev/zero to grow without bound.
const run = async (cwd: string, argv: string[], env: Record<string, string> = {}) => {
  const io = fakeIo(cwd, env);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
};

describe("input files: regular files only, capped, exit 64 naming the flag, the value and the fix", () => {
  let dir: string;
  const setUp = async () => {
    const made = fs.mkdtempSync(path.join(os.tmpdir(), "sg-in-"));
    execFileSync("mkfifo", [path.join(made, "fifo")]);
    // Sparse, so it costs no disk or time: one byte above every cap.
    fs.closeSync(fs.openSync(path.join(made, "big"), "w"));
    fs.truncateSync(path.join(made, "big"), 32 * 1024 * 1024 + 1);
    fs.mkdirSync(path.join(made, "a-dir"));
    expect((await run(made, ["rotate", "init", "k1", "--algorithm", "hmac-sha256"])).code).toBe(0);
    expect((await run(made, ["keys", "generate", "--algorithm", "hmac-sha256", "--id", "k1", "--out", "material/k1.env"])).code).toBe(0);
    expect((await run(made, ["env", "render", "--role", "worker", "--material", "material", "--out", "worker.env"])).code).toBe(0);
    return made;
  };
  // The refusals write nothing, so the commands share one directory; the ledger tests below edit their own.
  beforeAll(async () => {
    dir = await setUp();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const BAD: [string, string, RegExp][] = [
    ["a FIFO", "fifo", /is a FIFO \(named pipe\), not a regular file.*Fix: pass a regular file/],
    ["/dev/zero", "/dev/zero", /is a character device, not a regular file/],
    ["a directory", "a-dir", /is a directory, not a regular file/],
    ["a file above the cap", "big", /above the \d+ MiB cap for this input.*Fix: check that this is the right file/],
  ];

  const COMMANDS: [string, (file: string) => string[], string][] = [
    ["env check FILE", (f) => ["env", "check", f], ""],
    ["verify --envelope", (f) => ["verify", "--signing-env", "worker.env", "--envelope", f], "--envelope: "],
    ["sign --signing-env", (f) => ["sign", "--signing-env", f, "--envelope", "worker.env"], ""],
    ["rotate status --ledger", (f) => ["rotate", "status", "--ledger", f], "--ledger: "],
    ["env render --ledger", (f) => ["env", "render", "--role", "worker", "--material", "material", "--ledger", f], "--ledger: "],
    ["tls inspect PATH", (f) => ["tls", "inspect", f], ""],
  ];

  for (const [command, argv, prefix] of COMMANDS) {
    it.each(BAD)(`${command} refuses %s quickly`, async (_name, file, message) => {
      if (command === "tls inspect PATH" && file === "a-dir") return; // a directory is a valid PATH for tls inspect
      const started = Date.now();
      const result = await run(dir, argv(file));
      expect(result.code).toBe(64);
      expect(result.err).toMatch(new RegExp(`${prefix.replace(/[-]/g, "\\-")}.*${message.source}`));
      expect(result.err).not.toMatch(/internal error/);
      expect(Date.now() - started).toBeLessThan(5000);
    }, 10000);
  }

  it("health refuses a FIFO or /dev/zero as STEM_TLS_CA_CERT", async () => {
    for (const ca of [path.join(dir, "fifo"), "/dev/zero"]) {
      const result = await run(dir, ["health", "--skip-backend"], { STEM_BROKER_URL: "rediss://127.0.0.1:1/0", STEM_TLS_CA_CERT: ca });
      expect(result.code).toBe(64);
      expect(result.err).toMatch(/STEM_TLS_CA_CERT: file is a (FIFO|character device)/);
    }
  }, 10000);

  it("warns on an envelope with a duplicated key but parses it as Stem does (the last one wins)", async () => {
    const vector = fs.readFileSync(path.resolve(__dirname, "../../fixtures/envelopes/contract-vector.json"), "utf8");
    const env = path.resolve(__dirname, "../../fixtures/signing/hmac.env");
    const once = await run(dir, ["sign", "--signing-env", env, "--envelope", path.resolve(__dirname, "../../fixtures/envelopes/contract-vector.json")]);
    fs.writeFileSync(path.join(dir, "dup.json"), vector.replace('"queue":"default"', '"queue":"other","queue":"default"'));
    const twice = await run(dir, ["sign", "--signing-env", env, "--envelope", "dup.json"]);
    expect(once.code).toBe(0);
    expect(twice.code).toBe(0);
    expect(twice.err).toBe("warning: --envelope: key $.queue appears twice in the same object; Stem (and this check) use the last one, other JSON readers may not\n");
    expect(twice.out).toBe(once.out);
  });

  describe("ledgers", () => {
    let shared: string;
    beforeEach(async () => {
      shared = dir;
      dir = await setUp();
    });
    afterEach(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      dir = shared;
    });

  it("refuses a ledger that is a symbolic link, before writing anything (a write would replace the link, not its target)", async () => {
    fs.renameSync(path.join(dir, "stemguard.rotation.json"), path.join(dir, "real-ledger.json"));
    fs.symlinkSync("real-ledger.json", path.join(dir, "stemguard.rotation.json"));
    const before = fs.readFileSync(path.join(dir, "real-ledger.json"), "utf8");
    for (const argv of [["rotate", "stage", "k2"], ["rotate", "status"]]) {
      const result = await run(dir, argv);
      expect(result.code).toBe(64);
      expect(result.err).toMatch(/is a symbolic link.*Fix: /);
    }
    expect(fs.lstatSync(path.join(dir, "stemguard.rotation.json")).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(dir, "real-ledger.json"), "utf8")).toBe(before);
  });

  it.each([
    ["a top-level key", (text: string) => text.replace(/^\{/, '{"phase": 7,'), /key \$\.phase appears twice/],
    ["a key inside a step", (text: string) => text.replace(/"op": "init",/, '"op": "init", "op": "stage",'), /key \$\.\w+\[0\]\.op appears twice/],
  ])("refuses a ledger with %s duplicated, naming its path", async (_name, edit, message) => {
    const file = path.join(dir, "stemguard.rotation.json");
    const text = fs.readFileSync(file, "utf8");
    const edited = edit(text);
    expect(edited).not.toBe(text);
    fs.writeFileSync(file, edited);
    for (const json of [[], ["--json"]]) {
      const result = await run(dir, ["rotate", "status", ...json]);
      expect(result.code).toBe(64);
      expect(result.err).toMatch(message);
      expect(result.err).toMatch(/Fix: keep exactly one/);
    }
    expect(fs.readFileSync(file, "utf8")).toBe(edited);
  });
  });
});
