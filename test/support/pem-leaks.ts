/**
 * Asserts that `text` (synthesized JSON, plan output) holds no PEM: no
 * `SENTINEL` marker appended to an input, no certificate or private-key
 * armour, and no body line of any of `pems`.
 */
export function expectNoPemMaterial(text: string, pems: readonly string[]): void {
  expect(text).not.toContain("SENTINEL");
  expect(text).not.toContain("-----BEGIN CERTIFICATE-----\n");
  expect(text).not.toContain("PRIVATE KEY-----\n");
  for (const pem of pems) {
    for (const line of pem.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"))) expect(text).not.toContain(line);
  }
}
