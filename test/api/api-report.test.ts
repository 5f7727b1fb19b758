import * as fs from "node:fs";
import * as path from "node:path";

// The checked-in API report (api/*.api.md) must equal what the built declarations export, so
// every public change shows in the pull request's diff. `npm test` builds before jest.
const apiReport = require("../../scripts/api-report") as {
  UPDATE_COMMAND: string;
  compareReports(): string[];
  buildReports(): Map<string, string>;
};

describe("API report", () => {
  it("api/*.api.md matches the public API of the built declarations", () => {
    const problems = apiReport.compareReports();
    if (problems.length > 0) {
      throw new Error(`${problems.join("\n\n")}\n\nfix: if the change is deliberate, run \`${apiReport.UPDATE_COMMAND}\` and commit api/`);
    }
  });

  it("shows each name with its declaration and lists no internal helper", () => {
    const reports = apiReport.buildReports();
    expect([...reports.keys()].sort()).toEqual(["api/aws.api.md", "api/demo.api.md", "api/kubernetes.api.md", "api/stemguard.api.md"]);
    const core = reports.get("api/stemguard.api.md")!;
    expect(core).toMatch(/## function `readLedgerFile`\n\n```ts\nfunction readLedgerFile\(file: string/);
    expect(core).toMatch(/## interface `SigningLedger`\n\n```ts\ninterface SigningLedger \{/);
    for (const internal of ["dartTrim", "stripPhase", "scrubSecret", "applyStepToState", "redactKeyEntry"]) {
      expect(core).not.toContain(`\`${internal}\``);
    }
    // Private members of a class are not API.
    expect(fs.readFileSync(path.join(__dirname, "../../dist/lib/kubernetes/tls-bundles.d.ts"), "utf8")).toMatch(/private /);
    expect(reports.get("api/kubernetes.api.md")).not.toMatch(/^\s*private /m);
  });
});
