/**
 * Benchmark part, export: the account export's streaming path (lambdas/adapters/s3-export-archive.ts)
 * writing large files into one zip through a multipart upload to the S3 stand-in, over the wire.
 * The stand-in runs in a child process (`npm start` on disk), so what this process holds is the
 * export's own memory: it reports the peak of heapUsed + arrayBuffers (sampled on every chunk) and
 * the peak RSS for a small and a large archive. Flat memory means the two peaks are about the same
 * while the archive is many times larger. The file bodies are generated (a reused 1 MiB buffer),
 * as S3 GetObject bodies stream in; hashing (SHA-256) runs as in the domain.
 * Run alone: `npx tsx bench/export.ts`; `npm run bench -- --only export`.
 *   --files N    files in the large archive (default 4)
 *   --mb N       size of each file in MiB (default 256)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { KMS_KEYS } from '../common/definitions';
import { S3ExportArchive } from '../lambdas/adapters/s3-export-archive';
import type { ArchiveEntry } from '../lambdas/domain/export';
import { FakeClock } from '../lambdas/kernel/clock';
import { S3_CREDENTIALS } from '../local/s3';
import { emit } from './support';

const { values } = parseArgs({
  options: { files: { type: 'string', default: '4' }, mb: { type: 'string', default: '256' } },
});
const FILES = Number(values.files);
const MB = Number(values.mb);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const startStack = async (dir: string) => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'local/main.ts'), '--port', '0', '--data', dir],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const endpoints = await new Promise<Record<string, string>>((resolveEndpoints, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const s3 = /S3\s+(http:\/\/\S+)/.exec(text)?.[1];
      const kms = /KMS\s+(http:\/\/\S+)/.exec(text)?.[1];
      if (s3 && kms) resolveEndpoints({ s3, kms });
    });
    child.on('exit', (code) => reject(new Error(`local stack exited (${code})`)));
  });
  return { child, endpoints };
};

const MIB = 1024 * 1024;
const chunk = Buffer.alloc(MIB, 0x5a);

/** A file body of `mb` MiB, as a GetObject body streams in, hashed as the domain hashes it. */
async function* body(mb: number, sample: () => void): AsyncIterable<Uint8Array> {
  const hash = createHash('sha256');
  for (let i = 0; i < mb; i++) {
    hash.update(chunk);
    sample();
    yield chunk;
  }
  hash.digest('hex');
}

let child: ChildProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'caseline-bench-export-'));
try {
  const started = await startStack(dir);
  child = started.child;
  const credentials = { ...S3_CREDENTIALS };
  const kms = new KMSClient({ region: 'us-east-1', endpoint: started.endpoints.kms, credentials });
  const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: KMS_KEYS.caseData.alias }));
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: started.endpoints.s3,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const archive = new S3ExportArchive(s3, 'caseline-case-files', new FakeClock());
  const kmsKeyId = KeyMetadata?.Arn ?? '';

  const measure = async (files: number, mb: number) => {
    global.gc?.();
    const base = process.memoryUsage();
    let peak = 0;
    let peakRss = 0;
    const sample = () => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers);
      peakRss = Math.max(peakRss, m.rss);
    };
    async function* entries(): AsyncIterable<ArchiveEntry> {
      for (let i = 0; i < files; i++) {
        yield {
          path: `orders/ord_${i}/inputs/scan-${i}.stl`,
          sizeBytes: mb * MIB,
          body: body(mb, sample),
          compress: false,
        };
      }
    }
    const t0 = performance.now();
    const key = `exports/bench-${files}x${mb}.zip`;
    const written = await archive.write(key, entries(), kmsKeyId);
    const seconds = (performance.now() - t0) / 1000;
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'caseline-case-files', Key: key }));
    return {
      archiveMiB: Math.round(written.sizeBytes / MIB),
      storedMiB: Math.round((head.ContentLength ?? 0) / MIB),
      peakHeapPlusBuffersMiB: Math.round((peak - (base.heapUsed + base.arrayBuffers)) / MIB),
      peakRssMiB: Math.round(peakRss / MIB),
      seconds: Number(seconds.toFixed(1)),
      mibPerSecond: Math.round(written.sizeBytes / MIB / seconds),
    };
  };

  const small = await measure(1, Math.max(16, Math.round(MB / 8)));
  const large = await measure(FILES, MB);
  emit({
    small,
    large,
    growth: `archive ×${(large.archiveMiB / small.archiveMiB).toFixed(0)}, peak heap+buffers ×${(
      large.peakHeapPlusBuffersMiB / Math.max(1, small.peakHeapPlusBuffersMiB)
    ).toFixed(2)}`,
  });
} finally {
  child?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
