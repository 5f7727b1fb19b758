import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../../lib/cli/main";
import { fakeIo } from "../../support/fake-io";

// Every --out writes a regular file or nothing: a link, FIFO or device in its
// place is refused (as root, a link to /dev/null used to be replaced by a
// 0600 file of key material), and so is anything under /proc, /sys or /dev.
const run = async (cwd: string, ...argv: string[]) => {
  const io = fakeIo(cwd);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
};

const KEY_LINE = /STEM_SIGNING_(KEYS|PRIVATE_KEYS)=\S+:[A-Za-z0-9+/=]{20,}/;

describe("--out refuses anything but a regular file or a new path", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-out-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const keysGenerate = (out: string, ...extra: string[]) => run(dir, "keys", "generate", "--algorithm", "hmac-sha256", "--id", "k1", "--out", out, ...extra);
  const envRender = async (out: string) => {
    expect((await run(dir, "rotate", "init", "k1", "--algorithm", "hmac-sha256")).code).toBe(0);
    expect((await run(dir, "keys", "generate", "--algorithm", "hmac-sha256", "--id", "k1", "--out", "material/k1.env")).code).toBe(0);
    return run(dir, "env", "render", "--role", "worker", "--material", "material", "--out", out);
  };

  const shapes: [string, () => string, RegExp][] = [
    [
      "a symbolic link to a regular file",
      () => {
        fs.writeFileSync(path.join(dir, "real.env"), "KEEP=1\n");
        fs.symlinkSync(path.join(dir, "real.env"), path.join(dir, "link.env"));
        return "link.env";
      },
      /--out: is a symbolic link; stemguard writes regular files only/,
    ],
    [
      "a symbolic link to /dev/null",
      () => {
        fs.symlinkSync("/dev/null", path.join(dir, "null.env"));
        return "null.env";
      },
      /--out: is a symbolic link/,
    ],
    [
      "a FIFO",
      () => {
        execFileSync("mkfifo", [path.join(dir, "pipe.env")]);
        return "pipe.env";
      },
      /--out: exists and is a FIFO \(named pipe\), not a regular file/,
    ],
    ["/dev/null itself", () => "/dev/null", /--out: refusing to write under \/dev/],
    ["a path under /proc", () => "/proc/self/stemguard-k1.env", /--out: refusing to write under \/proc/],
    ["a path under /sys", () => "/sys/kernel/stemguard-k1.env", /--out: refusing to write under \/sys/],
    [
      "a path whose directory links into /proc",
      () => {
        fs.symlinkSync("/proc/self", path.join(dir, "proc-link"));
        return "proc-link/k1.env";
      },
      /--out: refusing to write under \/proc/,
    ],
  ];

  const snapshot = () => {
    const entries: Record<string, string> = {};
    for (const name of fs.readdirSync(dir)) {
      const stat = fs.lstatSync(path.join(dir, name));
      entries[name] = stat.isSymbolicLink() ? `link:${fs.readlinkSync(path.join(dir, name))}` : stat.isFIFO() ? "fifo" : stat.isFile() ? fs.readFileSync(path.join(dir, name), "utf8") : "dir";
    }
    return entries;
  };

  it.each(shapes)("keys generate --out %s: exit 64, nothing written, no material printed", async (_name, make, message) => {
    const out = make();
    const before = snapshot();
    for (const extra of [[], ["--force"]]) {
      const result = await keysGenerate(out, ...extra);
      expect(result.code).toBe(64);
      expect(result.err).toMatch(message);
      expect(result.err).toMatch(/Fix: /);
      expect(result.out + result.err).not.toMatch(KEY_LINE);
      expect(snapshot()).toEqual(before);
    }
    if (before["real.env"] !== undefined) expect(fs.readFileSync(path.join(dir, "real.env"), "utf8")).toBe("KEEP=1\n");
  });

  it.each(shapes)("env render --out %s (no --force needed to be refused): exit 64, nothing written", async (_name, make, message) => {
    const out = make();
    const result = await envRender(out);
    const before = snapshot();
    expect(result.code).toBe(64);
    expect(result.err).toMatch(message);
    expect(result.out + result.err).not.toMatch(KEY_LINE);
    expect(snapshot()).toEqual(before);
  });

  it.each(shapes.slice(0, 3))("tls generate into a directory where server.key is %s: exit 64, nothing written", async (_name, make) => {
    fs.mkdirSync(path.join(dir, "certs"));
    const made = make();
    fs.renameSync(path.join(dir, made), path.join(dir, "certs", "server.key"));
    const result = await run(dir, "tls", "generate", "certs", "localhost", "--force");
    expect(result.code).toBe(64);
    expect(result.err).toMatch(/server\.key/);
    expect(result.err).not.toMatch(/PRIVATE KEY-----/);
    expect(fs.readdirSync(path.join(dir, "certs"))).toEqual(["server.key"]);
  });

  it.each(["/proc/self/stemguard-certs", "/dev/stemguard-certs", "/sys/stemguard-certs"])("tls generate into %s: exit 64 before any key is generated", async (out) => {
    const result = await run(dir, "tls", "generate", out, "localhost");
    expect(result.code).toBe(64);
    expect(result.err).toMatch(/^stemguard: OUT_DIR: refusing to write under \/(proc|dev|sys)/);
    expect(result.err).not.toMatch(/generating/);
  });
});
