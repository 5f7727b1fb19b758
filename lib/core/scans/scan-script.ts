import { StemguardError } from "../errors";
import { SCAN_EMF } from "../metrics/scan-metrics";
import { pinnedImageProblem } from "./pinned-image";

/** The severities a finding must have to fail the scan (the runbook's). */
export const SCAN_SEVERITIES = "CRITICAL,HIGH";
/** trivy's exit code for "vulnerabilities found" in this script; trivy itself exits 1 on errors, so the two stay apart. */
export const FINDINGS_EXIT_CODE = 2;
/** The script's exit code when a target could not be scanned. */
export const ERROR_EXIT_CODE = 1;
/** Where the vulnerability database is cached (a volume on both platforms). */
export const TRIVY_CACHE_DIR = "/var/cache/trivy";

export interface ScanTargets {
  /** Images of the fleet, each pinned as `name:tag@sha256:<64 hex>` (scanned by digest: what runs, not what a tag points at now). */
  readonly images: readonly string[];
  /**
   * A git repository URL to scan too (`trivy repo`). A Dart app's dependencies are
   * found only through a committed `pubspec.lock` (docs/scans.md).
   *
   * @default - images only
   */
  readonly repository?: string;
}

/**
 * The scan's command arguments after the script: `image=<ref>` / `repo=<url>`.
 * Refuses unpinned images and non-https repositories.
 */
export function scanTargetArgs(targets: ScanTargets, field: string): string[] {
  if (targets.images.length === 0 && !targets.repository) {
    throw new StemguardError("a scan needs at least one image or a repository", { field: `${field}.images`, value: [], fix: "pass the fleet's images (the same references the workloads run)" });
  }
  const seen = new Set<string>();
  for (const [i, image] of targets.images.entries()) {
    const problem = pinnedImageProblem(image);
    if (problem) throw new StemguardError(problem, { field: `${field}.images[${i}]`, value: image, fix: "scan what runs: pass the workload's image reference with its digest" });
    if (seen.has(image)) throw new StemguardError("image listed twice", { field: `${field}.images[${i}]`, value: image, fix: "list each image once" });
    seen.add(image);
  }
  if (targets.repository !== undefined && !/^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?\/[A-Za-z0-9._~/-]+$/.test(targets.repository)) {
    throw new StemguardError("repository must be an https:// git URL without credentials", { field: `${field}.repository`, value: targets.repository, fix: 'e.g. "https://github.com/acme/orders"' });
  }
  return [...targets.images.map((i) => `image=${i}`), ...(targets.repository ? [`repo=${targets.repository}`] : [])];
}

/**
 * The POSIX sh script the scan container runs (`sh -c SCRIPT stemguard-scan
 * TARGET...`): trivy per target, then one summary line that is also a
 * CloudWatch embedded-metric-format event (ScanCompleted, TargetsWithFindings,
 * ScanErrors; dimension Scan). Exits 0 when clean, 2 on findings, 1 when a
 * target could not be scanned. Needs `SCAN_NAME` and `TRIVY_CACHE_DIR` in the env.
 */
export function renderScanScript(): string {
  const { namespace, scanCompleted, targetsWithFindings, scanErrors, dimensions } = SCAN_EMF;
  return [
    // No "${" anywhere: the script travels inside Terraform strings, where it would be an interpolation.
    'cache="$TRIVY_CACHE_DIR"',
    `[ -n "$cache" ] || cache=${TRIVY_CACHE_DIR}`,
    "findings=0",
    "errors=0",
    'for target in "$@"; do',
    '  kind=$(printf %s "$target" | cut -d= -f1)',
    '  ref=$(printf %s "$target" | cut -d= -f2-)',
    '  echo "stemguard-scan: $kind $ref"',
    "  rc=0",
    '  case "$kind" in',
    `    image) trivy image --scanners vuln --severity ${SCAN_SEVERITIES} --exit-code ${FINDINGS_EXIT_CODE} --no-progress --cache-dir "$cache" "$ref" || rc=$? ;;`,
    `    repo) trivy repo --scanners vuln --severity ${SCAN_SEVERITIES} --exit-code ${FINDINGS_EXIT_CODE} --no-progress --cache-dir "$cache" "$ref" || rc=$? ;;`,
    '    *) echo "stemguard-scan: unknown target $target" >&2; rc=1 ;;',
    "  esac",
    '  case "$rc" in',
    "    0) ;;",
    `    ${FINDINGS_EXIT_CODE}) findings=$((findings + 1)) ;;`,
    "    *) errors=$((errors + 1)) ;;",
    "  esac",
    "done",
    "completed=0",
    '[ "$errors" -eq 0 ] && completed=1',
    // One EMF line: CloudWatch Logs extracts the three metrics from the awslogs stream; elsewhere it is a summary.
    `printf '{"_aws":{"Timestamp":%s000,"CloudWatchMetrics":[{"Namespace":"${namespace}","Dimensions":[["${dimensions.scan}"]],"Metrics":[{"Name":"${scanCompleted}","Unit":"Count"},{"Name":"${targetsWithFindings}","Unit":"Count"},{"Name":"${scanErrors}","Unit":"Count"}]}]},"${dimensions.scan}":"%s","${scanCompleted}":%d,"${targetsWithFindings}":%d,"${scanErrors}":%d}\\n' "$(date +%s)" "$SCAN_NAME" "$completed" "$findings" "$errors"`,
    `[ "$errors" -gt 0 ] && exit ${ERROR_EXIT_CODE}`,
    `[ "$findings" -gt 0 ] && exit ${FINDINGS_EXIT_CODE}`,
    "exit 0",
  ].join("\n");
}
