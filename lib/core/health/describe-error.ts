/**
 * One line for a socket or TLS error. OpenSSL errors carry a multi-line
 * "803C...:error:0A00010B:SSL routines:..." message and the readable part in
 * `reason`. Duck-typed: errors from node internals may come from another
 * realm (e.g. under jest).
 */
export function describeError(err: unknown): string {
  if (typeof err !== "object" || err === null || typeof (err as Error).message !== "string") return String(err);
  const { code, reason, message } = err as NodeJS.ErrnoException & { reason?: unknown };
  const opensslDump = /:error:[0-9A-Fa-f]+:/.test(message);
  const text = (opensslDump && typeof reason === "string" && reason !== "" ? reason : message).replace(/\s+/g, " ").trim();
  return code && !text.includes(code) ? `${text} (${code})` : text;
}
