/**
 * The census's memory of envelope copies already counted, with a hard bound:
 * once `limit` ids are held, later ids are counted without being remembered
 * (`exhausted`), so a copy among them may be counted twice. An over-count
 * never hides a live message, which is the safe side for the drain gate.
 * Ids of the small structures (PEL, delayed ZSET), where copies come from,
 * are read first and so are the ones kept.
 */
export class BoundedIdSet {
  private readonly seen = new Set<string>();
  /** Copies recognised as already counted. */
  duplicates = 0;
  /** Whether some id was counted without being remembered. */
  exhausted = false;

  constructor(readonly limit: number) {}

  /** True when `id` is new (count it), false for a copy already counted. */
  add(id: string): boolean {
    if (this.seen.has(id)) {
      this.duplicates++;
      return false;
    }
    if (this.seen.size < this.limit) this.seen.add(id);
    else this.exhausted = true;
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
