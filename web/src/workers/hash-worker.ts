/** The hashing worker: a scan's SHA-256, read in slices with progress (see ../sha256.ts). */
import { sha256HexOf } from '../sha256';
import { serve } from './protocol';

serve<{ blob: Blob }, string>(async ({ blob }, progress) => ({ result: await sha256HexOf(blob, progress) }));
