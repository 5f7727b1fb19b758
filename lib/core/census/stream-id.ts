/** Compares two Redis stream ids (`<ms>-<seq>`) numerically: negative, 0 or positive. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = split(a);
  const [bm, bs] = split(b);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

/** The millisecond part of a stream id. */
export function streamIdMs(id: string): number {
  return Number(split(id)[0]);
}

function split(id: string): [bigint, bigint] {
  const dash = id.indexOf("-");
  return dash < 0 ? [BigInt(id), 0n] : [BigInt(id.slice(0, dash)), BigInt(id.slice(dash + 1))];
}
