import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXIT_CODE_TABLE, type CliIo } from "../../../lib/cli/io";
import { main } from "../../../lib/cli/main";
import { fakeIo } from "../../support/fake-io";

const README = fs.readFileSync(path.resolve(__dirname, "../../../README.md"), "utf8");

describe("one exit-code table for every command", () => {
  it("README's CLI reference carries exactly the table --help prints", async () => {
    const rows = README.split("\n").filter((l) => /^\| \d+ \|/.test(l));
    expect(rows).toEqual(EXIT_CODE_TABLE.map((r) => `| ${r.code} | ${r.meaning} | ${r.commands} |`));
    const io = fakeIo(process.cwd());
    expect(await main(["--help"], io)).toBe(0);
    for (const r of EXIT_CODE_TABLE) expect(io.out()).toContain(`  ${String(r.code).padEnd(3)} ${r.meaning}\n      ${r.commands}`);
    expect(EXIT_CODE_TABLE.map((r) => r.code)).toEqual([0, 1, 2, 64, 70]);
  });

  describe("--json errors carry the same verdict as the exit status", () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-exit-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it.each([
      ["an unknown flag", ["rotate", "status", "--json", "--frob"], /unknown option '--frob'/],
      ["a missing argument", ["env", "check", "--json"], /missing required argument 'file'/],
      ["a bad choice", ["env", "check", "x.env", "--role", "king", "--json"], /Allowed choices are producer, worker, beat/],
      ["a missing ledger", ["rotate", "status", "--json"], /--ledger: ledger file does not exist/],
      ["a ledger under /proc", ["rotate", "init", "k1", "--algorithm", "hmac-sha256", "--ledger", "/proc/self/l.json", "--json"], /refusing to write under \/proc/],
      ["/dev/zero as --signing-env", ["verify", "--signing-env", "/dev/zero", "--envelope", "x.json", "--json"], /is a character device/],
    ])("%s: exit 64, stdout {ok:false, exitCode:64}", async (_name, argv, message) => {
      const io = fakeIo(dir);
      expect(await main(argv, io)).toBe(64);
      const out = JSON.parse(io.out()) as { ok: boolean; exitCode: number; error: { message: string } };
      expect(out).toMatchObject({ ok: false, exitCode: 64 });
      expect(out.error.message).toMatch(message);
    });

    it("an internal error: exit 2 with {ok:false, exitCode:2}, never a verdict", async () => {
      const io = fakeIo(dir);
      const broken: CliIo = {
        ...io,
        get cwd(): string {
          throw new TypeError("simulated bug");
        },
      };
      expect(await main(["rotate", "status", "--json"], broken)).toBe(2);
      expect(JSON.parse(io.out())).toEqual({ ok: false, exitCode: 2, error: { message: "internal error: simulated bug" } });
      expect(io.err()).toMatch(/^stemguard: internal error: simulated bug\n/);
    });

    it("health keeps stem health's empty stdout on a configuration error", async () => {
      const io = fakeIo(dir, {});
      expect(await main(["health", "--json"], io)).toBe(64);
      expect(io.out()).toBe("");
    });
  });
});
