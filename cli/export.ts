/**
 * `caseline export request|status|download|verify`: a lab administrator's data-portability export.
 * The archive is checked offline, with nothing but the zip and Caseline's public key: the
 * manifest's signature (the certificate key, the same recipe as a deletion certificate), then
 * every file's size and SHA-256 against the manifest, and no file the manifest does not list.
 */
import { createHash } from 'node:crypto';
import yauzl from 'yauzl';
import { MANIFEST_PATH, type ManifestFile, verifyManifest } from '../lambdas/domain/export';

export interface ArchiveCheck {
  readonly ok: boolean;
  /** One sentence for a person: what was checked, or `INVALID: <reason>`. */
  readonly message: string;
  readonly files?: number;
}

const openZip = (path: string) =>
  new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: true }, (error, zip) =>
      error ? reject(error) : resolve(zip),
    ),
  );

/** Each entry's size and SHA-256 (streamed), and the manifest's text. */
const readArchive = async (path: string) => {
  const zip = await openZip(path);
  const found = new Map<string, { sizeBytes: number; sha256: string }>();
  let manifestText: string | undefined;
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName.endsWith('/')) return zip.readEntry();
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const hash = createHash('sha256');
        const kept: Buffer[] = [];
        let sizeBytes = 0;
        stream.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          sizeBytes += chunk.length;
          if (entry.fileName === MANIFEST_PATH) kept.push(chunk);
        });
        stream.on('error', reject);
        stream.on('end', () => {
          if (entry.fileName === MANIFEST_PATH) manifestText = Buffer.concat(kept).toString('utf8');
          else found.set(entry.fileName, { sizeBytes, sha256: hash.digest('hex') });
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  return { found, manifestText };
};

/** Checks an export archive against the public key (PEM, or DER SubjectPublicKeyInfo). */
export const verifyExportArchive = async (
  path: string,
  publicKey: string | Uint8Array,
): Promise<ArchiveCheck> => {
  let archive: Awaited<ReturnType<typeof readArchive>>;
  try {
    archive = await readArchive(path);
  } catch (error) {
    return { ok: false, message: `INVALID: ${path} is not a readable zip (${(error as Error).message})` };
  }
  if (archive.manifestText === undefined)
    return { ok: false, message: `INVALID: ${path} has no ${MANIFEST_PATH}` };
  const check = verifyManifest(archive.manifestText, publicKey);
  if (!check.valid)
    return { ok: false, message: `INVALID: ${MANIFEST_PATH}: ${check.reason} (${check.code})` };
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const file of check.manifest.files as ManifestFile[]) {
    listed.add(file.path);
    const got = archive.found.get(file.path);
    if (!got) problems.push(`${file.path} is missing`);
    else if (got.sizeBytes !== file.sizeBytes || got.sha256 !== file.sha256)
      problems.push(`${file.path} does not match its SHA-256 in the manifest`);
  }
  for (const path of archive.found.keys())
    if (!listed.has(path)) problems.push(`${path} is not in the manifest`);
  if (problems.length) {
    const shown = problems.slice(0, 5).join('; ');
    return {
      ok: false,
      message: `INVALID: ${shown}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`,
    };
  }
  const m = check.manifest;
  return {
    ok: true,
    files: m.files.length,
    message: `Export ${m.exportId} of account ${m.accountId} is valid: manifest signature verified, ${m.orders.length} orders and ${m.files.length} files, each SHA-256 checked${m.excluded.length ? `; ${m.excluded.length} purged or deleted orders not exported` : ''}.`,
  };
};
