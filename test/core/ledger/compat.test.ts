import * as fs from "node:fs";
import * as path from "node:path";
import { parseLedger, serializeLedger } from "../../../lib/core/keyring/ledger-file";
import { applyTlsStep, initTlsLedger } from "../../../lib/core/tls/ca-ledger";
import { parseTlsLedger, serializeTlsLedger } from "../../../lib/core/tls/ca-ledger-file";

const dir = path.join(__dirname, "../../../examples/ledgers");

describe("ledgers written before the engine read and write byte for byte the same", () => {
  test.each(fs.readdirSync(dir).filter((f) => f.endsWith(".json")))("examples/ledgers/%s", (file) => {
    const text = fs.readFileSync(path.join(dir, file), "utf8");
    expect(serializeLedger(parseLedger(JSON.parse(text), file))).toBe(text);
  });

  test("a CA ledger keeps the pretty JSON layout of schemaVersion 1", () => {
    const fp = (n: number) => Array.from({ length: 32 }, () => n.toString(16).padStart(2, "0").toUpperCase()).join(":");
    const ledger = applyTlsStep(initTlsLedger("ca-1", fp(1), { serverFingerprint256: fp(2) }), { op: "stage-ca", caId: "ca-2", caFingerprint256: fp(3) });
    const text = serializeTlsLedger(ledger);
    const { schemaVersion, kind, phase, cas, leaves, history } = ledger;
    expect(text).toBe(`${JSON.stringify({ schemaVersion, kind, phase, cas, leaves, history }, null, 2)}\n`);
    expect(parseTlsLedger(JSON.parse(text))).toEqual(ledger);
  });
});
