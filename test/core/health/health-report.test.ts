import {
  TLS_HINT_INSECURE,
  TLS_HINT_VERIFYING,
  healthExitCode,
  renderHealthJson,
  renderHealthText,
  toHealthResult,
  type HealthResult,
} from "../../../lib/core/health/health-report";
import { readTlsEnv } from "../../../lib/core/health/tls-env";

const URL = "rediss://:***@h:6379/0";

describe("toHealthResult", () => {
  it("reports success as Connected to <url>", () => {
    expect(toHealthResult("broker", URL, { ok: true }, readTlsEnv({}))).toEqual({
      component: "broker",
      status: "ok",
      message: `Connected to ${URL}`,
    });
  });

  it("reports a connection failure without context", () => {
    const result = toHealthResult("backend", URL, { ok: false, failure: "connection", error: "boom" }, readTlsEnv({}));
    expect(result).toEqual({ component: "backend", status: "error", message: `Connection failed for ${URL}: boom` });
  });

  it("reports a TLS failure with Stem's context and placeholders", () => {
    const result = toHealthResult("broker", URL, { ok: false, failure: "tls", error: "bad cert" }, readTlsEnv({}));
    expect(result).toEqual({
      component: "broker",
      status: "error",
      message: `TLS handshake failed for ${URL}: bad cert`,
      context: {
        tls: { caCertificate: "system", clientCertificate: "not provided", allowInsecure: false },
        hints: [TLS_HINT_VERIFYING],
      },
    });
  });

  it("reports the client certificate path even without its key, and the insecure hint", () => {
    const tls = readTlsEnv({ STEM_TLS_CA_CERT: "/c/ca.crt", STEM_TLS_CLIENT_CERT: "/c/client.crt", STEM_TLS_ALLOW_INSECURE: "true" });
    const result = toHealthResult("broker", URL, { ok: false, failure: "tls", error: "x" }, tls);
    expect(result.context).toEqual({
      tls: { caCertificate: "/c/ca.crt", clientCertificate: "/c/client.crt", allowInsecure: true },
      hints: [TLS_HINT_INSECURE],
    });
  });
});

describe("rendering", () => {
  const ok: HealthResult = { component: "broker", status: "ok", message: `Connected to ${URL}` };
  const tlsFail = toHealthResult("backend", URL, { ok: false, failure: "tls", error: "bad" }, readTlsEnv({ STEM_TLS_CA_CERT: "ca.crt" }));

  it("prints one JSON line in Stem's key order, context only on TLS failures", () => {
    const out = renderHealthJson([ok, tlsFail]);
    expect(out.endsWith("\n")).toBe(true);
    expect(out.trimEnd().includes("\n")).toBe(false);
    expect(out).toBe(
      `[{"component":"broker","status":"ok","message":"Connected to ${URL}"},` +
        `{"component":"backend","status":"error","message":"TLS handshake failed for ${URL}: bad",` +
        `"context":{"tls":{"caCertificate":"ca.crt","clientCertificate":"not provided","allowInsecure":false},` +
        `"hints":["${TLS_HINT_VERIFYING}"]}}]\n`,
    );
  });

  it("prints the title, one line per component, then TLS and hint lines after a failure", () => {
    expect(renderHealthText([ok, tlsFail]).split("\n")).toEqual([
      "Health checks",
      "",
      `[ok]    broker: Connected to ${URL}`,
      `[error] backend: TLS handshake failed for ${URL}: bad`,
      "       TLS -> ca=ca.crt, client=not provided, allowInsecure=false",
      `       hint: ${TLS_HINT_VERIFYING}`,
      "",
    ]);
  });

  it("exits 0 when all are ok and 70 otherwise", () => {
    expect(healthExitCode([ok])).toBe(0);
    expect(healthExitCode([ok, tlsFail])).toBe(70);
  });
});
