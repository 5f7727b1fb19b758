/** `stemguard demo --out` refuses output directories no command may write, before any synth (exit 64, not 2, never a spin under /proc). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../../lib/cli/main";
import { fakeIo } from "../../support/fake-io";

const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sg-demo-out-")));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test.each([
  ["/proc/x", /refusing to write under \/proc/],
  ["/proc/self", /refusing to write under \/proc/],
  ["/dev/null", /refusing to write under \/dev/],
  ["file", /exists and is .*not a directory/],
  ["link", /exists and is a symbolic link, not a directory/],
])("demo --out %s is refused with exit 64", async (out, message) => {
  fs.writeFileSync(path.join(dir, "file"), "x");
  if (!fs.existsSync(path.join(dir, "link"))) fs.symlinkSync(os.tmpdir(), path.join(dir, "link"));
  const io = fakeIo(dir);
  const code = await main(["demo", "--quiet", "--out", out], io);
  expect(code).toBe(64);
  expect(io.err()).toMatch(message);
  expect(io.err()).not.toMatch(/synthesizing/);
});
