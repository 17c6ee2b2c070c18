/**
 * Builds one resource per entry of a definitions record (TABLES, BUCKETS, KMS_KEYS…), keyed the
 * same way, so a new entry in common/definitions.ts becomes a new resource without touching a construct.
 */
export const mapRecord = <K extends string, A, B>(
  record: Readonly<Record<K, A>>,
  fn: (value: A, key: K) => B,
): Readonly<Record<K, B>> =>
  Object.freeze(
    Object.fromEntries((Object.entries(record) as [K, A][]).map(([key, value]) => [key, fn(value, key)])),
  ) as Readonly<Record<K, B>>;
