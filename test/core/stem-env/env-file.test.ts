import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StemguardError } from "../../../lib/core/errors";
import { parseEnvText, readEnvFile } from "../../../lib/core/stem-env/env-file";

const SECRET = Buffer.alloc(32, 7).toString("base64");

function failure(text: string): StemguardError {
  try {
    parseEnvText(text, "t.env");
  } catch (err) {
    if (err instanceof StemguardError) return err;
    throw err;
  }
  throw new Error("expected parseEnvText to fail");
}

describe("parseEnvText", () => {
  it("reads KEY=VALUE lines, comments, blank lines, export, CRLF and a BOM", () => {
    const text = `\ufeff# comment\n\n  # indented comment\nA=1\r\nexport B=two words\n  C=\nD=${SECRET}\nE=a=b=c\n`;
    expect(parseEnvText(text)).toEqual({ A: "1", B: "two words", C: "", D: SECRET, E: "a=b=c" });
  });

  it("keeps '#' inside a value when no space precedes it, and quotes that do not start the value", () => {
    expect(parseEnvText("URL=redis://h:6379/0#x\nX=it's\n")).toEqual({ URL: "redis://h:6379/0#x", X: "it's" });
  });

  it("returns a frozen map", () => {
    expect(Object.isFrozen(parseEnvText("A=1"))).toBe(true);
  });

  it.each([
    [`K="${SECRET}"`, "t.env line 1 (K): quoted value: docker --env-file keeps the quotes as part of the value, compose strips them. Fix: remove the quotes; values need none"],
    [`K='${SECRET}'`, "t.env line 1 (K): quoted value: docker --env-file keeps the quotes as part of the value, compose strips them. Fix: remove the quotes; values need none"],
    [`K= ${SECRET}`, "t.env line 1 (K): value starts or ends with whitespace: docker keeps it, compose strips it. Fix: remove the spaces around the value"],
    [`K=${SECRET}\t`, "t.env line 1 (K): value starts or ends with whitespace: docker keeps it, compose strips it. Fix: remove the spaces around the value"],
    [`K=${SECRET} # primary`, "t.env line 1 (K): value contains ' #': compose reads it as a comment, docker as part of the value. Fix: put comments on their own line"],
    [`K=pa$word${SECRET}`, "t.env line 1 (K): value contains '$': compose interpolates it, docker does not. Fix: remove the '$' (Stem values never need one)"],
    [`K=${SECRET}\u0000x`, "t.env line 1 (K): value contains a control character. Fix: remove it; re-save the file as plain UTF-8 text"],
    [`A=1\n\nA=2`, "t.env line 3 (A): variable is set twice (first on line 1). Fix: keep exactly one line for it"],
    [`A=1\nexport A=2`, "t.env line 2 (A): variable is set twice (first on line 1). Fix: keep exactly one line for it"],
    ["JUSTANAME", "t.env line 1: line has no '=' (docker would pass the host's value of that name through). Fix: write VARIABLE=value, or delete the line"],
    [
      `k2:${SECRET.slice(0, -1)}`,
      "t.env line 1: line has no '=' (docker would pass the host's value of that name through). Fix: write one VARIABLE=value per line; if this continues a key list, Stem splits key lists on ',' only: put all entries on one line, comma separated",
    ],
    [
      `k2:${SECRET}`,
      "t.env line 1: line looks like a key-list entry on its own line, not NAME=value. Fix: Stem splits key lists on ',' only: put all entries on the variable's line, comma separated",
    ],
    ["K =1", "t.env line 1: invalid variable name (letters, digits and '_' only, not starting with a digit; no spaces around '='). Fix: write NAME=value with nothing between the name and '='"],
    ["1K=1", "t.env line 1: invalid variable name (letters, digits and '_' only, not starting with a digit; no spaces around '='). Fix: write NAME=value with nothing between the name and '='"],
    ["=1", "t.env line 1: invalid variable name (letters, digits and '_' only, not starting with a digit; no spaces around '='). Fix: write NAME=value with nothing between the name and '='"],
    ["A-B=1", "t.env line 1: invalid variable name (letters, digits and '_' only, not starting with a digit; no spaces around '='). Fix: write NAME=value with nothing between the name and '='"],
  ])("fails %j naming line and variable, never the value", (text, message) => {
    const err = failure(text);
    expect(err.message).toBe(message);
    expect(err.message).not.toContain(SECRET.slice(0, 12));
    expect(err.message).not.toContain("1K");
  });
});

describe("readEnvFile", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-env-file-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads a file", () => {
    const file = path.join(dir, "a.env");
    fs.writeFileSync(file, "STEM_SIGNING_ALGORITHM=ed25519\n");
    expect(readEnvFile(file)).toEqual({ STEM_SIGNING_ALGORITHM: "ed25519" });
  });

  it("fails on a missing file", () => {
    const file = path.join(dir, "missing.env");
    expect(() => readEnvFile(file)).toThrow(`${file}: env file does not exist. Fix: check the path`);
  });

  it("fails on a directory", () => {
    expect(() => readEnvFile(dir)).toThrow(`${dir}: env file is a directory, not a regular file. Fix: pass a regular file (stemguard does not read pipes, devices or directories)`);
  });

  it("fails on bytes that are not UTF-8", () => {
    const file = path.join(dir, "latin1.env");
    fs.writeFileSync(file, Buffer.from([0x41, 0x3d, 0xe9, 0x0a]));
    expect(() => readEnvFile(file)).toThrow(`${file}: the env file is not valid UTF-8. Fix: re-save it as UTF-8 text`);
  });

  it("names the file and line in errors", () => {
    const file = path.join(dir, "b.env");
    fs.writeFileSync(file, "A=1\nB='x'\n");
    expect(() => readEnvFile(file)).toThrow(`${file} line 2 (B): quoted value`);
  });
});
