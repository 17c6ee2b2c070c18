/**
 * Where an audit event sits in write order: the keys of the `bySequence` index. Its own module so
 * every function that appends an audit event carries these two lines, not the digest code (and the
 * certificate schemas it signs with).
 */

/** Events per partition of the write-order index: bounds a partition, keeps a range query to one or two. */
export const SEQUENCE_PARTITION_SIZE = 100_000;
export const sequencePartition = (seq: number): string => `SEQ#${Math.floor(seq / SEQUENCE_PARTITION_SIZE)}`;
export const sequenceSortKey = (seq: number): string => String(seq).padStart(12, '0');
