import { presentsClientCertificate, readTlsEnv, tlsEnvIssues, tlsPathsSet } from "../../../lib/core/health/tls-env";

describe("readTlsEnv", () => {
  it("reads nothing from an empty env", () => {
    const config = readTlsEnv({});
    expect(config).toEqual({
      caCertificateFile: undefined,
      clientCertificateFile: undefined,
      clientKeyFile: undefined,
      allowInsecure: false,
    });
    expect(tlsPathsSet(config)).toBe(false);
  });

  it("trims paths and treats blank as unset", () => {
    const config = readTlsEnv({ STEM_TLS_CA_CERT: "  /certs/ca.crt \n", STEM_TLS_CLIENT_CERT: "   ", STEM_TLS_CLIENT_KEY: "" });
    expect(config.caCertificateFile).toBe("/certs/ca.crt");
    expect(config.clientCertificateFile).toBeUndefined();
    expect(config.clientKeyFile).toBeUndefined();
  });

  it.each([
    ["true", true],
    ["TRUE", true],
    ["true ", true],
    ["untrue", true],
    ["1", true],
    [" 1", false],
    ["1 ", false],
    ["yes", false],
    ["false", false],
    ["0", false],
    ["", false],
  ])("reads STEM_TLS_ALLOW_INSECURE=%j as %s (Stem's untrimmed rule)", (value, expected) => {
    expect(readTlsEnv({ STEM_TLS_ALLOW_INSECURE: value }).allowInsecure).toBe(expected);
  });

  it("presents a client certificate only when both cert and key are set", () => {
    expect(presentsClientCertificate(readTlsEnv({ STEM_TLS_CLIENT_CERT: "c" }))).toBe(false);
    expect(presentsClientCertificate(readTlsEnv({ STEM_TLS_CLIENT_KEY: "k" }))).toBe(false);
    expect(presentsClientCertificate(readTlsEnv({ STEM_TLS_CLIENT_CERT: "c", STEM_TLS_CLIENT_KEY: "k" }))).toBe(true);
  });

  it("counts any path, not allow-insecure, as TLS paths set", () => {
    expect(tlsPathsSet(readTlsEnv({ STEM_TLS_CLIENT_KEY: "k" }))).toBe(true);
    expect(tlsPathsSet(readTlsEnv({ STEM_TLS_ALLOW_INSECURE: "true" }))).toBe(false);
  });
});

describe("tlsEnvIssues", () => {
  const codes = (env: Record<string, string>) => tlsEnvIssues(env).map((i) => i.code);

  it("finds nothing in a complete mutual-TLS setup", () => {
    expect(codes({ STEM_TLS_CA_CERT: "ca", STEM_TLS_CLIENT_CERT: "c", STEM_TLS_CLIENT_KEY: "k" })).toEqual([]);
  });

  it("flags allow-insecure values that do not read as they look", () => {
    expect(codes({ STEM_TLS_CA_CERT: "ca", STEM_TLS_ALLOW_INSECURE: "untrue" })).toEqual(["allow-insecure-value", "allow-insecure"]);
    expect(codes({ STEM_TLS_CA_CERT: "ca", STEM_TLS_ALLOW_INSECURE: "yes" })).toEqual(["allow-insecure-value"]);
    expect(codes({ STEM_TLS_CA_CERT: "ca", STEM_TLS_ALLOW_INSECURE: "true" })).toEqual(["allow-insecure"]);
  });

  it("flags a client certificate without key and the reverse", () => {
    expect(codes({ STEM_TLS_CA_CERT: "ca", STEM_TLS_CLIENT_CERT: "c" })).toEqual(["client-key-missing"]);
    expect(codes({ STEM_TLS_CA_CERT: "ca", STEM_TLS_CLIENT_KEY: "k" })).toEqual(["client-cert-missing"]);
  });

  it("flags paths without a CA, which leaves Stem trusting nothing", () => {
    expect(codes({ STEM_TLS_CLIENT_CERT: "c", STEM_TLS_CLIENT_KEY: "k" })).toEqual(["ca-missing"]);
  });
});
