/**
 * The OpenTelemetry Collector configurations that turn Stem's OTLP metrics
 * into what the alarms read. Stem exports OTLP only (gRPC, port 4317); its
 * instrument names lose the `stem.` prefix and dots become `_` on the way
 * (`stem.tasks.signature_invalid` -> `tasks_signature_invalid`), and its
 * counters carry unit `count`, which the Prometheus exporter would append as
 * a `_count` suffix: the `transform/stem-units` processor clears that unit.
 *
 * - Kubernetes: the `prometheus` exporter with `namespace: stem`, so counters
 *   become `stem_<name>_total` (e.g. `stem_tasks_signature_invalid_total`).
 * - AWS: the `awsemf` exporter into CloudWatch namespace `Stem`, one dimension
 *   set `[queue]`, no rollups, and the first value of each counter kept
 *   (`retain_initial_value_of_delta_metric`): without it the first increment
 *   after a worker restart becomes the delta baseline and never reaches CloudWatch.
 *
 * docs/otel-collector/*.yaml are these objects rendered (a test keeps them equal).
 */

/** Stem instruments the alarms read (Stem's names, before the OTLP rename). */
export const STEM_INSTRUMENTS = {
  signatureInvalid: "stem.tasks.signature_invalid",
  failed: "stem.tasks.failed",
} as const;

/** The Prometheus exporter's namespace on Kubernetes. */
export const STEM_PROMETHEUS_NAMESPACE = "stem";
/** The CloudWatch namespace the awsemf exporter writes Stem's metrics to. */
export const STEM_CLOUDWATCH_NAMESPACE = "Stem";
/** The one dimension set of Stem's metrics in CloudWatch (Stem's `queue` attribute). */
export const STEM_CLOUDWATCH_DIMENSIONS = ["queue"] as const;
/** OTLP gRPC, where Stem sends (`STEM_METRIC_EXPORTERS=otlp`, `STEM_OTLP_ENDPOINT=http://<collector>:4317`). */
export const COLLECTOR_OTLP_PORT = 4317;
/** Where the collector's Prometheus exporter serves `/metrics` (scrape this port). */
export const COLLECTOR_PROMETHEUS_PORT = 8889;

/** Stem's OTLP metric name for an instrument: `stem.` stripped, dots to `_`. */
export function stemOtlpName(instrument: string): string {
  return instrument.replace(/^stem\./, "").replace(/\./g, "_");
}

/** The Prometheus name of a Stem counter behind the Kubernetes collector. */
export function stemPrometheusCounter(instrument: string): string {
  return `${STEM_PROMETHEUS_NAMESPACE}_${stemOtlpName(instrument)}_total`;
}

type Yamlish = { readonly [key: string]: Yamlish } | readonly Yamlish[] | string | number | boolean;

const RECEIVERS = { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${COLLECTOR_OTLP_PORT}` } } } };
/** Clears Stem's `count` unit, which would otherwise become a name suffix. */
const UNIT_PROCESSOR = {
  "transform/stem-units": {
    metric_statements: [{ context: "metric", statements: ['set(unit, "") where unit == "count"'] }],
  },
};
const BATCH = { batch: { timeout: "10s" } };

/** The Kubernetes collector: OTLP in, Prometheus exposition (namespace `stem`) out. */
export function kubernetesCollectorConfig(): Yamlish {
  return {
    receivers: RECEIVERS,
    processors: { ...UNIT_PROCESSOR, ...BATCH },
    exporters: {
      prometheus: {
        endpoint: `0.0.0.0:${COLLECTOR_PROMETHEUS_PORT}`,
        namespace: STEM_PROMETHEUS_NAMESPACE,
        resource_to_telemetry_conversion: { enabled: false },
      },
    },
    service: { pipelines: { metrics: { receivers: ["otlp"], processors: ["transform/stem-units", "batch"], exporters: ["prometheus"] } } },
  };
}

export interface AwsCollectorOptions {
  /**
   * Log group the awsemf exporter writes its EMF events to.
   *
   * @default "/stem/metrics"
   */
  readonly logGroupName?: string;
}

/** The AWS collector (ADOT or contrib): OTLP in, CloudWatch EMF (namespace `Stem`, dimensions `[queue]`) out. */
export function awsCollectorConfig(options: AwsCollectorOptions = {}): Yamlish {
  return {
    receivers: RECEIVERS,
    processors: { ...UNIT_PROCESSOR, ...BATCH },
    exporters: {
      awsemf: {
        namespace: STEM_CLOUDWATCH_NAMESPACE,
        log_group_name: options.logGroupName ?? "/stem/metrics",
        log_stream_name: "otel-collector",
        dimension_rollup_option: "NoDimensionRollup",
        retain_initial_value_of_delta_metric: true,
        resource_to_telemetry_conversion: { enabled: false },
        metric_declarations: [
          {
            dimensions: [[...STEM_CLOUDWATCH_DIMENSIONS]],
            metric_name_selectors: Object.values(STEM_INSTRUMENTS).map((i) => `^${stemOtlpName(i)}$`),
          },
        ],
      },
    },
    service: { pipelines: { metrics: { receivers: ["otlp"], processors: ["transform/stem-units", "batch"], exporters: ["awsemf"] } } },
  };
}

/** Block-style YAML for the objects above (strings quoted as JSON, which YAML reads as is). */
export function renderYaml(value: Yamlish, indent = 0): string {
  const pad = " ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return value.map((item) => (isScalar(item) || (Array.isArray(item) && item.every(isScalar)) ? `${pad}- ${inline(item)}` : `${pad}-\n${renderYaml(item, indent + 2)}`)).join("\n");
  }
  if (isScalar(value)) return inline(value);
  return Object.entries(value as Record<string, Yamlish>)
    .map(([key, item]) =>
      isScalar(item) || (Array.isArray(item) && item.every((i) => isScalar(i) || (Array.isArray(i) && i.every(isScalar))))
        ? `${pad}${key}: ${inline(item)}`
        : `${pad}${key}:\n${renderYaml(item, indent + 2)}`,
    )
    .join("\n");
}

function isScalar(value: Yamlish): value is string | number | boolean {
  return typeof value !== "object";
}

function inline(value: Yamlish): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(", ")}]`;
  return typeof value === "string" && /^[A-Za-z0-9_./:-]+$/.test(value) && !/^(true|false|null|yes|no|on|off|~|[0-9.]+)$/i.test(value) ? value : JSON.stringify(value);
}
