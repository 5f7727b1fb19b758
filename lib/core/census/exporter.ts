import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { StemguardError } from "../errors";
import type { CertificateDays } from "./certificates";
import { renderPrometheus } from "./prometheus";
import type { CensusReport } from "./types";

/** Default time a census's metrics are served before the next scrape runs a new one. */
export const DEFAULT_EXPORTER_CACHE_SECONDS = 30;

/** Options of {@link startCensusExporter}. */
export interface CensusExporterOptions {
  /** TCP port; 0 picks a free one (see the returned `port`). */
  readonly port: number;
  /**
   * Address to listen on.
   *
   * @default "0.0.0.0"
   */
  readonly host?: string;
  /**
   * How long one census's metrics are served (scrapes in between get the cached text).
   *
   * @default 30
   */
  readonly cacheSeconds?: number;
  /** Runs one census (its own connection each time: a broken connection is not reused). */
  readonly census: () => Promise<CensusReport>;
  /** Reads the certificates to export, each census. @default - none */
  readonly certificates?: () => readonly CertificateDays[];
  /** Called with each failed census (the exporter keeps serving the last good metrics). */
  readonly onError?: (err: unknown) => void;
  /** Called with each completed census. */
  readonly onCensus?: (report: CensusReport) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

/** A running exporter. */
export interface CensusExporter {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A Prometheus exporter of the census: `GET /metrics` serves the last
 * census's metrics while they are younger than `cacheSeconds`, and otherwise
 * runs a new census first. One census at a time: scrapes that arrive while
 * one runs wait for it. A failed census keeps the last good metrics (their
 * `stemguard_census_last_success_timestamp_seconds` ages, which the heartbeat
 * alarm sees); before the first success a scrape gets 503.
 */
export async function startCensusExporter(options: CensusExporterOptions): Promise<CensusExporter> {
  const cacheSeconds = options.cacheSeconds ?? DEFAULT_EXPORTER_CACHE_SECONDS;
  if (!Number.isInteger(cacheSeconds) || cacheSeconds < 0 || cacheSeconds > 86_400) {
    throw new StemguardError("must be a whole number of seconds from 0 to 86400", { field: "--cache-seconds", value: cacheSeconds, fix: "use the default, 30 (scrape every 60 s)" });
  }
  const now = options.now ?? Date.now;
  let cached: { text: string; at: number } | undefined;
  let lastError: string | undefined;
  let running: Promise<void> | undefined;
  const refresh = () =>
    (running ??= (async () => {
      try {
        const report = await options.census();
        const certificates = options.certificates?.() ?? [];
        const at = now();
        cached = { text: renderPrometheus(report, Math.floor(at / 1000), certificates), at };
        lastError = undefined;
        options.onCensus?.(report);
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        options.onError?.(err);
      }
    })().finally(() => (running = undefined)));

  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (url !== "/metrics") {
      res.writeHead(url === "/" ? 200 : 404, { "content-type": "text/plain; charset=utf-8" }).end(url === "/" ? "stemguard census exporter: scrape /metrics\n" : "not found: scrape /metrics\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const fresh = cached !== undefined && now() - cached.at < cacheSeconds * 1000;
    void (fresh ? Promise.resolve() : refresh()).then(() => {
      if (cached === undefined) {
        res.writeHead(503, { "content-type": "text/plain; charset=utf-8" }).end(`census failed: ${lastError ?? "no census yet"}\n`);
        return;
      }
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(req.method === "HEAD" ? undefined : cached.text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await running;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Scrapers keep connections alive; close() alone would wait for them.
      server.closeAllConnections();
      await closed;
    },
  };
}
