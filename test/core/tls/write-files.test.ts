import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StemguardError } from "../../../lib/core/errors";
import { writeFileSet, type FileSetEntry } from "../../../lib/core/tls/write-files";
import { changedEntries, treeSnapshot } from "./tree-snapshot";

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe("writeFileSet", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-file-set-"));
    fs.mkdirSync(path.join(tmp, "material"), { mode: 0o700 });
    fs.writeFileSync(path.join(tmp, "material", "bundle.crt"), "old bundle\n", { mode: 0o640 });
    fs.chmodSync(path.join(tmp, "material", "bundle.crt"), 0o640);
    fs.writeFileSync(path.join(tmp, "ledger.json"), '{"phase":1}\n');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  // New material in a new directory, a replaced bundle, and the ledger last.
  const entries = (ledger = path.join(tmp, "ledger.json")): FileSetEntry[] => [
    { file: path.join(tmp, "material", "ca-2", "ca.key"), content: "new key\n", mode: 0o600, createDir: true },
    { file: path.join(tmp, "material", "ca-2", "ca.crt"), content: "new cert\n", mode: 0o644, createDir: true },
    { file: path.join(tmp, "material", "bundle.crt"), content: "new bundle\n", mode: 0o644, overwrite: true, createDir: true },
    { file: ledger, content: '{"phase":2}\n', mode: 0o644, overwrite: true, field: "--ledger" },
  ];

  test("writes every file with its exact mode, new directories 0700, and leaves no temp or backup file", () => {
    const before = treeSnapshot(tmp);
    const previous = process.umask(0o077);
    try {
      writeFileSet(entries());
    } finally {
      process.umask(previous);
    }
    expect(changedEntries(before, treeSnapshot(tmp))).toEqual(["ledger.json", "material/bundle.crt", "material/ca-2", "material/ca-2/ca.crt", "material/ca-2/ca.key"]);
    expect(mode(path.join(tmp, "material", "ca-2"))).toBe(0o700);
    expect(mode(path.join(tmp, "material", "ca-2", "ca.key"))).toBe(0o600);
    expect(mode(path.join(tmp, "material", "ca-2", "ca.crt"))).toBe(0o644);
    expect(mode(path.join(tmp, "material", "bundle.crt"))).toBe(0o644);
    expect(fs.readFileSync(path.join(tmp, "material", "bundle.crt"), "utf8")).toBe("new bundle\n");
    expect(fs.readFileSync(path.join(tmp, "ledger.json"), "utf8")).toBe('{"phase":2}\n');
  });

  test("fails when the last file's path is a directory, and puts everything back as it was", () => {
    const ledger = path.join(tmp, "ledger-dir");
    fs.mkdirSync(path.join(ledger, "inside"), { recursive: true });
    const before = treeSnapshot(tmp);
    const attempt = () => writeFileSet(entries(ledger));
    expect(attempt).toThrow(StemguardError);
    expect(attempt).toThrow(/^--ledger: cannot write the file \(EISDIR\).*Fix: the path is a directory/);
    // Same names, bytes, modes and inodes: the replaced bundle is the original file, not a copy.
    expect(treeSnapshot(tmp)).toEqual(before);
  });

  test("fails when a temp file cannot be written (missing directory) and creates nothing", () => {
    const before = treeSnapshot(tmp);
    expect(() => writeFileSet(entries(path.join(tmp, "no-such-dir", "ledger.json")))).toThrow(/^--ledger: cannot write the file \(ENOENT\).*Fix: create the directory first/);
    expect(treeSnapshot(tmp)).toEqual(before);
  });

  test("fails when a new file appeared at a name it must not replace, removing what it placed before", () => {
    const list = entries();
    const taken = { file: path.join(tmp, "taken.txt"), content: "mine\n", mode: 0o644 };
    fs.writeFileSync(taken.file, "someone else's\n");
    const before = treeSnapshot(tmp);
    expect(() => writeFileSet([...list.slice(0, 3), taken, list[3]])).toThrow(/taken\.txt: file exists; refusing to overwrite it/);
    expect(treeSnapshot(tmp)).toEqual(before);
  });

  test("fails when a directory cannot be created, naming the field", () => {
    fs.writeFileSync(path.join(tmp, "file"), "x");
    const before = treeSnapshot(tmp);
    expect(() => writeFileSet([{ file: path.join(tmp, "file", "sub", "a.key"), content: "k", mode: 0o600, createDir: true, field: "--material" }])).toThrow(
      /^--material: cannot create the output directory \(ENOTDIR\)/,
    );
    expect(treeSnapshot(tmp)).toEqual(before);
  });
});
