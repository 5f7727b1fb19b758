// Each alarm reads exactly what the shipped collector configuration produces.
// The names are derived here from the YAML files in docs/otel-collector
// (parsed with js-yaml), by the exporters' own rules, not from the constants
// the alarms were built with: Stem's OTLP name (strip `stem.`, dots to `_`),
// then the Prometheus exporter's `namespace` + unit suffix (after the
// transform processor) + `_total` for counters, or awsemf's `namespace`,
// metric_name_selectors and declared dimension sets.
import * as fs from "node:fs";
import * as path from "node:path";
import { load } from "js-yaml";
import { toCloudWatchAlarms } from "../../../lib/core/alarms/cloudwatch-alarms";
import { awsCollectorConfig, kubernetesCollectorConfig, renderYaml } from "../../../lib/core/alarms/collector-config";
import { stemAlarmSpecs } from "../../../lib/core/alarms/stem-alarms";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const DIR = path.join(__dirname, "../../../docs/otel-collector");
const read = (file: string) => load(fs.readFileSync(path.join(DIR, file), "utf8")) as Json;

/** Stem's counters as they leave Stem (stem-redis.md §C): instrument name and unit. */
const STEM_COUNTERS = [
  { instrument: "stem.tasks.signature_invalid", unit: "count" },
  { instrument: "stem.tasks.failed", unit: "count" },
];
const otlpName = (instrument: string) => instrument.replace(/^stem\./, "").replace(/\./g, "_");
/** The OTel->Prometheus unit suffixes the exporter appends (the subset that matters: unknown units are appended as is). */
const UNIT_SUFFIX: Record<string, string> = { s: "seconds", ms: "milliseconds", By: "bytes", "1": "ratio" };

/** The unit after the config's transform statements of the form `set(unit, "X") where unit == "Y"`. */
function unitAfterTransform(config: Json, unit: string): string {
  for (const name of config.service.pipelines.metrics.processors as string[]) {
    if (!name.startsWith("transform")) continue;
    for (const block of config.processors[name].metric_statements as Json[]) {
      for (const statement of block.statements as string[]) {
        const m = /^set\(unit, "(.*)"\) where unit == "(.*)"$/.exec(statement);
        if (!m) throw new Error(`unsupported transform statement: ${statement}`);
        if (m[2] === unit) unit = m[1];
      }
    }
  }
  return unit;
}

function prometheusCounterName(config: Json, instrument: string, unit: string): string {
  const exporter = config.exporters.prometheus as Json;
  const finalUnit = unitAfterTransform(config, unit);
  const suffixes = exporter.add_metric_suffixes === false ? [] : [...(finalUnit && !finalUnit.includes("{") ? [UNIT_SUFFIX[finalUnit] ?? finalUnit] : []), "total"];
  return [exporter.namespace, otlpName(instrument), ...suffixes].filter(Boolean).join("_");
}

test("the shipped YAML files are the rendered configs", () => {
  for (const [file, config] of [["kubernetes.yaml", kubernetesCollectorConfig()], ["aws.yaml", awsCollectorConfig()]] as const) {
    const text = fs.readFileSync(path.join(DIR, file), "utf8");
    expect(text.split("\n").slice(1).join("\n")).toBe(`${renderYaml(config)}\n`);
    expect(read(file)).toEqual(config);
  }
});

test("Kubernetes: every Stem metric in a PromQL expression is what the prometheus exporter serves", () => {
  const config = read("kubernetes.yaml");
  expect(config.service.pipelines.metrics.exporters).toEqual(["prometheus"]);
  const produced = STEM_COUNTERS.map((c) => prometheusCounterName(config, c.instrument, c.unit));
  expect(produced).toEqual(["stem_tasks_signature_invalid_total", "stem_tasks_failed_total"]);
  const exprs = stemAlarmSpecs().flatMap((s) => (s.prometheus ? [s.prometheus.expr] : []));
  const stemNames = new Set(exprs.flatMap((e) => e.match(/\bstem_[a-z_]+/g) ?? []));
  expect([...stemNames].sort()).toEqual([...produced].sort());
});

test("without the unit transform the exporter would serve *_count_total (the alarms would read nothing)", () => {
  const config = read("kubernetes.yaml");
  const bare = { ...config, service: { pipelines: { metrics: { ...config.service.pipelines.metrics, processors: ["batch"] } } } };
  expect(prometheusCounterName(bare, "stem.tasks.signature_invalid", "count")).toBe("stem_tasks_signature_invalid_count_total");
});

test("AWS: every Stem alarm's namespace, metric name and dimension set is one awsemf produces", () => {
  const config = read("aws.yaml");
  const emf = config.exporters.awsemf as Json;
  expect(config.service.pipelines.metrics.exporters).toEqual(["awsemf"]);
  expect(emf.retain_initial_value_of_delta_metric).toBe(true);
  expect(emf.dimension_rollup_option).toBe("NoDimensionRollup");
  const declarations = emf.metric_declarations as { dimensions: string[][]; metric_name_selectors: string[] }[];
  const stemAlarms = toCloudWatchAlarms(stemAlarmSpecs({ queues: ["default"] }), "stem").filter((a) => a.metric.namespace === emf.namespace);
  expect(stemAlarms.map((a) => a.specId)).toEqual(["SignatureInvalid", "TasksFailing"]);
  for (const alarm of stemAlarms) {
    const counter = STEM_COUNTERS.find((c) => otlpName(c.instrument) === alarm.metric.metricName);
    expect(counter).toBeDefined();
    const declaration = declarations.find((d) => d.metric_name_selectors.some((re) => new RegExp(re).test(alarm.metric.metricName)));
    expect(declaration).toBeDefined();
    expect(declaration!.dimensions).toContainEqual(Object.keys(alarm.metric.dimensions).sort());
  }
});
