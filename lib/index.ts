// stemguard's pure-TypeScript core (no cdktf): keyrings and their rotation
// ledger, Stem env rendering and checking, Stem signatures, the rotation drill,
// ledger review, PKI and its CA-rotation ledger, and the health check. Constructs
// live in "stemguard/aws" and "stemguard/kubernetes" so that importing the core
// never loads cdktf.
//
// Named exports only: this list is the public API (api/stemguard.api.md records
// it; `npm run api` updates the report). Anything not named here is internal.

// Errors
export { StemguardError, StemConfigError, type StemguardErrorDetails } from "./core/errors";

// Signing keyring ledger: types, file, steps, diff, phase table
export {
  SIGNING_ALGORITHMS,
  KEY_STATES,
  ROLES,
  STEP_OPS,
  type SigningAlgorithm,
  type KeyState,
  type Role,
  type StepOp,
  type LedgerKey,
  type LedgerStep,
  type SigningLedger,
} from "./core/keyring/types";
export {
  DEFAULT_LEDGER_FILE,
  readLedgerFile,
  writeLedgerFile,
  parseLedger,
  serializeLedger,
  type LedgerFileSource,
} from "./core/keyring/ledger-file";
export {
  emptyLedger,
  initLedger,
  applyStep,
  replayPhases,
  currentState,
  ledgerAtPhase,
  type PhaseState,
  type LedgerOptions,
} from "./core/keyring/steps";
export { diffLedgers, type LedgerDiff } from "./core/keyring/diff-ledgers";
export { phaseTable, formatPhaseTable, type PhaseTableRow } from "./core/keyring/phase-table";

// Stem env per role and phase: plan, render with material, read and check
export {
  planRoleEnv,
  roleEnvRevision,
  type RoleEnvPlan,
  type EnvVariablePlan,
  type EnvPart,
  type MaterialField,
} from "./core/keyring/env-plan";
export { renderRoleEnv, formatEnvLines } from "./core/material/render-env";
export { generateKeyMaterial } from "./core/material/generate";
export { readKeyMaterial } from "./core/material/material-dir";
export type { KeyMaterial } from "./core/material/types";
export { parseEnvText, readEnvFile } from "./core/stem-env/env-file";
export type { EnvMap, StemSigningConfig } from "./core/stem-env/signing-config";
export { STEM_SIGNING_ENV, parseStemSigningEnv } from "./core/stem-env/parse-signing-env";
export {
  checkSigningEnv,
  inspectSigningEnv,
  type CheckSigningEnvOptions,
  type SigningEnvReport,
  type StemLoadResult,
} from "./core/stem-env/strict-check";
export type { Finding } from "./core/stem-env/finding";

// Stem signatures
export {
  SIGNATURE_HEADER,
  SIGNATURE_KEY_HEADER,
  StemEnvelope,
  createEnvelope,
  parseEnvelope,
  serializeEnvelope,
  type EnvelopeFields,
  type EnvelopeInit,
  type ParseEnvelopeOptions,
  type TimestampInput,
} from "./core/signing/envelope";
export { canonicalString, canonicalBytes, UnencodableValueError } from "./core/signing/canonical-json";
export { signEnvelope } from "./core/signing/sign";
export type { DartDateTime, DartTimeZoneOptions } from "./core/signing/dart-datetime";
export type { WireValue, WireObject, WireNumber, WireInt, WireDouble } from "./core/signing/wire-json";
export { verifyEnvelope, type VerifyResult, type StemVerifyMessage, type StemVerifyThrow } from "./core/signing/verify";

// Rotation drill
export { runRotationDrill, type DrillReport, type DrillOptions, type DrillFailure, type DrainNote } from "./core/drill/rotation-drill";

// Review of a ledger change (both kinds), synth diff, phase report
export {
  reviewLedgerChange,
  reviewTlsLedgerChange,
  reviewSection,
  reviewPullRequest,
  type LedgerReview,
  type PullRequestReview,
} from "./review/ledger-review";
export { reviewRepository, type RepoReader } from "./review/review-ledgers";

// Review of what will really change: synth output folders and plans (docs/review.md)
export { readReviewInput, type ReviewInput, type ReviewInputKind, type SynthStackJson } from "./review/change/inputs";
export { reviewInputs, reviewSynthPair, reviewPlanPair, type PlanSide } from "./review/change/review-inputs";
export {
  PURPOSES,
  type ChangeReview,
  type ClassifiedChange,
  type ConstructLedgerReview,
  type Finding as ReviewFinding,
  type Purpose,
  type StackReview,
  type WorkloadRoll,
} from "./review/change/review-changes";
export type { ChangeAction, ResourceChange } from "./review/change/resource-changes";
export { COMMENT_MARKER, changeReviewJson, formatChangeReviewMarkdown, formatChangeReviewText, rotationDiagrams } from "./review/change/format";
export { SYNTH_MARKER_KEY, type MarkedConstruct, type SynthMarker, type ConstructFamily } from "./core/synth-marker/marker";

// The ledger engine every kind runs on (signing keys, CAs; Redis next), and the manifest
export type { LedgerKind, StepRule, StepRecord, RevertVerdict, StatusTable, AnyLedgerKind, PeerSection } from "./core/ledger/kind";
export type { LedgerSection } from "./core/ledger/section";
export { diffSections, type SectionDiff } from "./core/ledger/diff";
export { MANIFEST_FILE, parseManifest, type LedgerManifest, type ManifestLedger } from "./core/ledger/manifest";
export { diffSynth, formatSynthDiff, type TerraformJson, type BlockChange } from "./review/synth-diff";
export { buildPhaseReport, formatPhaseReport, type PhaseReportEntry } from "./review/phase-report";

// TLS: generate, write, inspect
export {
  RSA_KEY_SIZES,
  type RsaKeySize,
  type CertifiedKey,
  type TlsBundle,
  type TlsProgressEvent,
  type SubjectAltName,
} from "./core/tls/types";
export { parseSans } from "./core/tls/sans";
export {
  DEFAULT_CLIENT_CN,
  generateTlsBundle,
  generateCa,
  issueLeaf,
  type IssueCommonOptions,
  type TlsBundleOptions,
  type GenerateCaOptions,
  type IssueLeafOptions,
} from "./core/tls/generate";
export { TLS_FILE_NAMES, writeTlsBundle, tlsBundlePaths, type TlsBundlePaths, type WriteTlsBundleOptions } from "./core/tls/write-bundle";
export {
  inspectCertificates,
  type InspectOptions,
  type InspectReport,
  type CertificateReport,
  type ChainCheck,
  type InspectProblem,
} from "./core/tls/inspect";
export { inspectTlsPath, type InspectPathOptions, type InspectPathReport, type InspectedFile } from "./core/tls/inspect-dir";
export { certificateExpiry, type CertificateExpiry } from "./core/tls/expiry";

// TLS CA-rotation ledger: types, file, steps, diff, trust bundle, rotation with files
export {
  CA_STATES,
  TLS_STEP_OPS,
  type CaState,
  type TlsStepOp,
  type TlsStep,
  type TlsLedgerStep,
  type LedgerCa,
  type LeafFingerprints,
  type LeafGeneration,
  type TlsCaLedger,
} from "./core/tls/ca-ledger-types";
export {
  DEFAULT_TLS_LEDGER_FILE,
  readTlsLedgerFile,
  writeTlsLedgerFile,
  parseTlsLedger,
  serializeTlsLedger,
} from "./core/tls/ca-ledger-file";
export {
  emptyTlsLedger,
  initTlsLedger,
  applyTlsStep,
  replayTlsPhases,
  activeCaId,
  leafIssuerCaId,
  trustBundleCaIds,
  fingerprint256Of,
} from "./core/tls/ca-ledger";
export { diffTlsLedgers, type TlsLedgerDiff } from "./core/tls/ca-ledger-diff";
export { renderTrustBundle } from "./core/tls/trust-bundle";
export {
  TRUST_BUNDLE_FILE,
  planTlsStep,
  commitTlsStep,
  performTlsStep,
  type TlsStepRequest,
  type PlanTlsStepOptions,
  type CommitTlsStepOptions,
  type PerformTlsStepOptions,
  type PlannedTlsStep,
  type PlannedTlsFile,
  type PerformedTlsStep,
} from "./core/tls/ca-rotation";

// Plan JSON (`terraform show -json`) made safe to print or post: ElastiCache passwords are in it
export { redactPlanJson, maskSensitive, REDACTED_VALUE } from "./core/redact/plan-json";

// Health check of Stem's broker and result backend
export { DEFAULT_REDIS_PORT, parseRedisUrl, redactUrl, type RedisUrl } from "./core/health/redis-url";
export { readTlsEnv, type StemTlsConfig } from "./core/health/tls-env";
export type { TlsClientMaterial } from "./core/health/tls-files";
export type { ConfigIssue } from "./core/health/issues";
export {
  HEALTH_OK,
  HEALTH_FAILED,
  healthExitCode,
  renderHealthJson,
  renderHealthText,
  type HealthComponent,
  type HealthResult,
  type HealthTlsContext,
} from "./core/health/health-report";
export {
  BROKER_ENV,
  BACKEND_ENV,
  planHealthChecks,
  runHealthChecks,
  type HealthCheckRequest,
  type HealthPlan,
  type HealthRun,
} from "./core/health/run-health";

// Census of Stem's broker (read-only), the drain gate, exporter and EMF lines
export { CENSUS_COMMANDS, type CensusRedis, type StreamEntry, type StreamGroup, type PendingEntry } from "./core/census/reader";
export { DEFAULT_CENSUS_PAGE, DEFAULT_MAX_TRACKED_IDS, runCensus, displayKeyLabel, type CensusOptions, type CensusProgress } from "./core/census/census";
export { LIVE_STRUCTURES, type LiveStructure, type LiveCounts, type OldestLive, type DeadLetterCounts, type CensusReport } from "./core/census/types";
export {
  DRAIN_GATE_PASSES,
  DEFAULT_DRAIN_GATE_INTERVAL_MS,
  runDrainGate,
  drainPass,
  assertGateKey,
  type DrainGateOptions,
  type DrainGateResult,
  type DrainPass,
  type DrainLocation,
} from "./core/census/gate";
export { DEFAULT_CENSUS_TIMEOUT_MS, CensusConnectionError, connectCensusRedis, type CensusConnectOptions, type CensusConnection } from "./core/census/ioredis-reader";
export { planCensusTarget, censusOnce, type CensusTarget, type CensusTargetRequest } from "./core/census/run-census";
export { renderCensusText, renderDrainPass, renderDrainVerdict } from "./core/census/render";
export { STEM_DEAD_LETTER_SERIES, deadLetterSeries, renderPrometheus } from "./core/census/prometheus";
export { renderEmf } from "./core/census/emf";
export { DEFAULT_EXPORTER_CACHE_SECONDS, startCensusExporter, type CensusExporterOptions, type CensusExporter } from "./core/census/exporter";
export { certificateDays, type CertificateDays } from "./core/census/certificates";
export { deadLetterErrorClass } from "./core/census/error-class";

// Redis: TLS mode and passwords as ledger kinds, server files, client env
export {
  REDIS_TLS_MODES,
  REDIS_CLIENT_AUTH,
  REDIS_PASSWORD_STATES,
  type RedisTlsMode,
  type RedisClientAuth,
  type RedisTlsStep,
  type RedisTlsState,
  type RedisPasswordState,
  type RedisPasswordStep,
  type RedisPasswordEntry,
  type RedisPasswordsState,
  type RedisPhase,
} from "./core/redis/types";
export { redisTlsKind } from "./core/redis/tls-kind";
export { redisPasswordsKind } from "./core/redis/passwords-kind";
export {
  DEFAULT_REDIS_LEDGER_FILE,
  REDIS_LEDGER_KINDS,
  initRedisLedger,
  applyRedisTlsStep,
  applyRedisPasswordStep,
  parseRedisLedger,
  readRedisLedgerFile,
  writeRedisLedgerFile,
  serializeRedisLedger,
  currentRedisPhase,
  redisPhaseOf,
  redisWalk,
  type RedisLedger,
  type RedisTlsSection,
  type RedisPasswordsSection,
  type RedisWalkPhase,
} from "./core/redis/ledger-file";
export { serverTransport, clientTransport, type ServerTransport, type ClientTransport } from "./core/redis/transport";
export {
  liveDirectives,
  renderLiveConf,
  renderRedisConf,
  renderUsersAcl,
  renderReloadScript,
  type RedisServerOptions,
  type ReloaderPaths,
  type UsersAclOptions,
} from "./core/redis/server-config";
export { CENSUS_USER_NAME, CENSUS_USER_RULES, renderCensusUserAcl, type CensusUserAcl } from "./core/redis/census-user";
export { REDIS_URL_VARIABLES, renderRedisClientEnv, type RedisUrlVariable, type RedisClientEndpoint } from "./core/redis/client-env";
export { renderRoleRedisEnv } from "./core/redis/render-role-env";
export {
  REDIS_PASSWORD_PATTERN,
  MIN_REDIS_PASSWORD_LENGTH,
  MAX_REDIS_PASSWORD_LENGTH,
  generateRedisPassword,
  assertRedisPassword,
  redisPasswordHash,
  redisPasswordFile,
  writeRedisPasswordFile,
  readRedisPassword,
} from "./core/redis/password";

// Alarms (one spec, compiled to Prometheus rules and CloudWatch alarms), the collector configs, scans
export {
  ALARM_SEVERITIES,
  type AlarmSeverity,
  type AlarmSpec,
  type TreatMissingData,
  type CloudWatchCondition,
  type CloudWatchMetricRef,
  type CloudWatchStatistic,
  type CloudWatchComparison,
  type PrometheusCondition,
  type RotationContext,
} from "./core/alarms/types";
export { stemAlarmSpecs, DEFAULT_RUNBOOK_BASE, type StemAlarmOptions, type ScanTarget } from "./core/alarms/stem-alarms";
export { rotationContext } from "./core/alarms/rotation";
export { toPrometheusRuleGroups, type PrometheusRuleGroup, type PrometheusAlertRule, type PrometheusRuleOptions } from "./core/alarms/prometheus-rules";
export { toCloudWatchAlarms, type CloudWatchAlarmDefinition } from "./core/alarms/cloudwatch-alarms";
export { assertCloudWatchWindow } from "./core/alarms/cloudwatch-limits";
export { alarmTable } from "./core/alarms/alarm-table";
export {
  STEM_PROMETHEUS_NAMESPACE,
  STEM_CLOUDWATCH_NAMESPACE,
  kubernetesCollectorConfig,
  awsCollectorConfig,
  renderYaml,
  type AwsCollectorOptions,
} from "./core/alarms/collector-config";
export { SCAN_EMF, KUBE_STATE_METRICS } from "./core/metrics/scan-metrics";
export { DEFAULT_TRIVY_IMAGE, COMPROMISED_TRIVY_VERSIONS, assertTrivyImage } from "./core/scans/trivy-image";
export { WEEKLY_SCAN_SCHEDULE, awsCron, kubernetesCron, type WeeklySchedule, type Weekday } from "./core/scans/schedule";
