/**
 * A Map that keeps at most `max` entries, dropping the least recently used (read or written)
 * when a new one would go over. For caches a long-running server fills from what it serves:
 * what is dropped is only recomputed or re-read, never lost.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly max: number) {
    super();
    if (!(max >= 1)) throw new RangeError('a bounded map holds at least one entry');
  }

  override get(key: K): V | undefined {
    if (!super.has(key)) return undefined;
    const value = super.get(key) as V;
    // Most recently used goes last: Map iterates in insertion order.
    super.delete(key);
    super.set(key, value);
    return value;
  }

  override set(key: K, value: V): this {
    if (super.has(key)) super.delete(key);
    else if (this.size >= this.max) super.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}
