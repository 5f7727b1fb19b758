import { formatLedgerStatus, formatStatusTable } from "../../../lib/core/ledger/table";
import { appendStep, emptySection } from "../../../lib/core/ledger/section";
import { redisTlsModeKind } from "./toy-kinds";

// One status text for every kind: a new kind gets `... status` output from its table alone.
describe("ledger status text", () => {
  it("aligns the table's columns and trims trailing blanks", () => {
    expect(formatStatusTable({ header: ["id", "state", "x"], rows: [["a-long-id", "on", ""], ["b", "retired", "y"]] })).toBe(
      ["id         state    x", "a-long-id  on", "b          retired  y"].join("\n"),
    );
  });

  it("names the file, the phase and the last step by the kind's label, then the kind's table", () => {
    const section = appendStep(appendStep(emptySection(redisTlsModeKind, {}), { op: "init", to: "plain" }), { op: "advance", to: "dual" });
    const table = formatStatusTable(redisTlsModeKind.table(section.state, section.options));
    expect(formatLedgerStatus(section, "stemguard.redis.json")).toBe(`Ledger stemguard.redis.json: phase 2 (last step: advance dual)\n\n${table}`);
    expect(formatLedgerStatus(section, "r.json", "tls-only target")).toMatch(/^Ledger r\.json: tls-only target, phase 2 \(last step: /);
  });

  it("has no last step before the first one", () => {
    expect(formatLedgerStatus(emptySection(redisTlsModeKind, {}), "r.json").split("\n")[0]).toBe("Ledger r.json: phase 0");
  });
});
