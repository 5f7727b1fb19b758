/**
 * The metrics the weekly vulnerability scan reports, named once so the scan
 * script that prints them and the alarms that read them cannot drift apart.
 *
 * On AWS the scan task prints one CloudWatch embedded-metric-format line when
 * it ends (the awslogs driver ships it; CloudWatch Logs extracts the metrics).
 * On Kubernetes the same line is only a log line: the alarms read the Job's
 * outcome from kube-state-metrics instead (KUBE_STATE_METRICS below).
 */
export const SCAN_EMF = {
  namespace: "Stemguard/Scans",
  /** Count: 1 when every target was scanned (findings or not), 0 when a target could not be scanned. Missing = no scan ran. */
  scanCompleted: "ScanCompleted",
  /** Count: targets (images, the repository) with CRITICAL/HIGH findings in this run. */
  targetsWithFindings: "TargetsWithFindings",
  /** Count: targets trivy could not scan (pull, auth or DB errors). */
  scanErrors: "ScanErrors",
  dimensions: {
    /** The scan's name (`StemVulnerabilityScan` namePrefix), so two scans in one account stay apart. */
    scan: "Scan",
  },
} as const;

/** kube-state-metrics series the Kubernetes scan alarms read (kube-state-metrics >= 2.4). */
export const KUBE_STATE_METRICS = {
  /** gauge, labels `namespace`, `job_name` (+ `reason`): failed pods of a Job. */
  jobFailed: "kube_job_status_failed",
  /** gauge, labels `namespace`, `job_name`: Unix start time of a Job. */
  jobStartTime: "kube_job_status_start_time",
  /** gauge, labels `namespace`, `cronjob`: Unix time of the CronJob's last successful Job. */
  cronJobLastSuccess: "kube_cronjob_status_last_successful_time",
  /** gauge, labels `namespace`, `cronjob`: Unix creation time of the CronJob (the baseline before its first success). */
  cronJobCreated: "kube_cronjob_created",
} as const;
