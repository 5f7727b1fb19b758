// The run: steps of an example GitHub Actions workflow, for the tests that run them locally.

/** One step of a workflow's one job: its name, its `id:`, its run script and the env it declares. */
export interface WorkflowStep {
  readonly name: string;
  readonly id?: string;
  readonly run: string;
  readonly env: Record<string, string>;
}

/** The named steps of the one job, in order (the workflows keep `run: |` blocks). */
export function runSteps(text: string): WorkflowStep[] {
  const lines = text.split("\n");
  const steps: WorkflowStep[] = [];
  for (let i = 0; i < lines.length; i++) {
    const name = /^ {6}- name: (.+)$/.exec(lines[i]);
    if (!name) continue;
    const step: { name: string; id?: string; run: string; env: Record<string, string> } = { name: name[1], run: "", env: {} };
    for (i++; i < lines.length && !/^ {6}- /.test(lines[i]); i++) {
      if (/^ {8}run: \|$/.test(lines[i])) {
        const body: string[] = [];
        for (i++; i < lines.length && (lines[i].startsWith("          ") || lines[i] === ""); i++) body.push(lines[i].slice(10));
        i--;
        step.run = body.join("\n");
        continue;
      }
      const id = /^ {8}id: (\S+)$/.exec(lines[i]);
      if (id) step.id = id[1];
      const env = /^ {10}([A-Z_]+): (.+)$/.exec(lines[i]);
      if (env) step.env[env[1]] = env[2];
    }
    i--;
    steps.push(step);
  }
  return steps;
}

/** The `key=value` lines a step appended to $GITHUB_OUTPUT. */
export function readOutputs(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}
