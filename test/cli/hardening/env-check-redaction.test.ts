import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../../lib/cli/main";
import { ed25519PublicKey } from "../../../lib/core/ed25519";
import { fakeIo } from "../../support/fake-io";

// Material standing where a key id belongs must never be printed: not in the
// finding, not in its field, not in the fix line, not in Stem's quoted
// message, not in --json (ids of a config Stem loads included).
const SECRET = Buffer.alloc(32, 0x5a).toString("base64"); // standard base64 with '='
const SECRET_URL = Buffer.from("3f9a0c11d2e47b56a8c9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5", "hex").toString("base64url");
const SECRET_HEX = "3f9a0c11d2e47b56a8c9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5";
const H7 = Buffer.alloc(32, 7).toString("base64");
const SEED = Buffer.alloc(32, 3);
const PUB = Buffer.from(ed25519PublicKey(SEED)).toString("base64");

// [name, env text, secret, exit code]: a material-looking id that passes the id rule is a warning.
const SHAPES: [string, string, string, number][] = [
  ["HMAC list, secret as id, short valid value", `STEM_SIGNING_ALGORITHM=hmac-sha256\nSTEM_SIGNING_KEYS=${SECRET}:prod\nSTEM_SIGNING_ACTIVE_KEY=${SECRET}\n`, SECRET, 64],
  ["HMAC list, base64url secret as id", `STEM_SIGNING_ALGORITHM=hmac-sha256\nSTEM_SIGNING_KEYS=${SECRET_URL}:prod,k1:${H7}\nSTEM_SIGNING_ACTIVE_KEY=k1\n`, SECRET_URL, 64],
  ["HMAC list, hex secret as id", `STEM_SIGNING_ALGORITHM=hmac-sha256\nSTEM_SIGNING_KEYS=${SECRET_HEX}:prod,k1:${H7}\nSTEM_SIGNING_ACTIVE_KEY=k1\n`, SECRET_HEX, 64],
  ["HMAC active key set to the secret", `STEM_SIGNING_ALGORITHM=hmac-sha256\nSTEM_SIGNING_KEYS=k1:${H7}\nSTEM_SIGNING_ACTIVE_KEY=${SECRET}\n`, SECRET, 64],
  [
    "Ed25519 public list, seed as id",
    `STEM_SIGNING_ALGORITHM=ed25519\nSTEM_SIGNING_PUBLIC_KEYS=${SEED.toString("base64")}:${PUB}\nSTEM_SIGNING_PRIVATE_KEYS=${SEED.toString("base64")}:${SEED.toString("base64")}\nSTEM_SIGNING_ACTIVE_KEY=${SEED.toString("base64")}\n`,
    SEED.toString("base64"),
    64,
  ],
  [
    "Ed25519 private list, seed as id with no public key",
    `STEM_SIGNING_ALGORITHM=ed25519\nSTEM_SIGNING_PUBLIC_KEYS=k1:${PUB}\nSTEM_SIGNING_PRIVATE_KEYS=k1:${SEED.toString("base64")},${SECRET_URL}:${SEED.toString("base64")}\nSTEM_SIGNING_ACTIVE_KEY=k1\n`,
    SECRET_URL,
    0,
  ],
  ["a secret pasted into STEM_SIGNING_ALGORITHM", `STEM_SIGNING_ALGORITHM=${SECRET}\nSTEM_SIGNING_KEYS=k1:${H7}\nSTEM_SIGNING_ACTIVE_KEY=k1\n`, SECRET, 64],
  ["Stem's malformed-entry message", `STEM_SIGNING_ALGORITHM=hmac-sha256\nSTEM_SIGNING_KEYS=${SECRET}:x:y\nSTEM_SIGNING_ACTIVE_KEY=k1\n`, SECRET, 64],
];

describe("env check never prints material that stands where an id belongs", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-redact-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  // The secret, and any 12+ character piece of it (a partial leak is a leak).
  const leaks = (text: string, secret: string) => {
    for (let i = 0; i + 12 <= secret.length; i++) if (text.includes(secret.slice(i, i + 12))) return true;
    return false;
  };

  it.each(SHAPES)("%s: redacted in text and --json, exit as expected", async (_name, text, secret, code) => {
    fs.writeFileSync(path.join(dir, "w.env"), text);
    const plain = fakeIo(dir);
    expect(await main(["env", "check", "w.env"], plain)).toBe(code);
    const json = fakeIo(dir);
    expect(await main(["env", "check", "w.env", "--json"], json)).toBe(code);
    const all = plain.out() + plain.err() + json.out() + json.err();
    expect(all).toMatch(/<redacted \d+ chars>/);
    expect(leaks(all, secret)).toBe(false);
    const report = JSON.parse(json.out()) as { ok: boolean; findings: { field: string; fix: string }[] };
    expect(report.ok).toBe(code === 0);
    expect(report.findings.length).toBeGreaterThan(0);
  });

  it("keeps ordinary ids readable", async () => {
    fs.writeFileSync(path.join(dir, "w.env"), `STEM_SIGNING_ALGORITHM=hmac-sha256\nSTEM_SIGNING_KEYS=rotation-2026-q1:${H7}\nSTEM_SIGNING_ACTIVE_KEY=rotation-2026-q1\n`);
    const io = fakeIo(dir);
    expect(await main(["env", "check", "w.env", "--json"], io)).toBe(0);
    expect(JSON.parse(io.out()).stem.keyIds).toEqual(["rotation-2026-q1"]);
  });
});
