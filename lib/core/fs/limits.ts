/**
 * Size caps for every file stemguard reads. A file above its cap is refused
 * (exit 64) instead of read: `/dev/zero`, a huge log passed by mistake or a
 * runaway generator must not exhaust memory. Each cap is far above a real file.
 */
export const READ_CAPS = {
  /** Env files and material `<id>.env` files: a few lines of base64. */
  envFile: 1024 * 1024,
  /** Ledgers and manifests: about 300 bytes per key, so a 10k-key ledger is about 3 MB. */
  jsonLedger: 32 * 1024 * 1024,
  /** Signed envelopes: Stem's own payloads, JSON. */
  envelope: 16 * 1024 * 1024,
  /** PEM or DER certificates and keys (a bundle with a long chain is a few KB). */
  pem: 1024 * 1024,
  /** A synthesized stack (`cdk.tf.json`) or a `terraform show -json` plan: a 200-service fleet is a few MB. */
  terraformJson: 256 * 1024 * 1024,
} as const;

/** `1 MiB`, `32 MiB`: how a cap is named in messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
