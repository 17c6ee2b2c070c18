/**
 * The console's in-browser export check against archives made as the export jobs make them: a zip
 * (JSON deflated, meshes stored, sizes in data descriptors) whose manifest.json is signed ECDSA
 * P-256 in DER over the canonical JSON of the document without `signature.value`. Each way a copy
 * can be wrong is refused with its reason.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { canonicalJson } from '../../lambdas/domain/canonical-json';
import { publicKeySha256 } from '../../lambdas/domain/certificate';
import { verifyArchive, zipEntries } from '../../web/src/staff/archive';

const keyPair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    sha: publicKeySha256(publicKey.export({ format: 'der', type: 'spki' })),
  };
};
type Key = ReturnType<typeof keyPair>;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const zipOf = (entries: { path: string; body: Buffer; compress: boolean }[]) =>
  new Promise<Buffer>((resolve, reject) => {
    const zip = new yazl.ZipFile();
    for (const e of entries) zip.addBuffer(e.body, e.path, { compress: e.compress });
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
    zip.end();
  });

const SCAN = Buffer.from('solid scan\nendsolid scan\n'.repeat(50));
const ORDER = Buffer.from(JSON.stringify({ orderId: 'ord_1', status: 'ARCHIVED' }));

/** An account export as the job writes it; `tamper` changes a file's bytes after it was listed. */
const accountExport = async (key: Key, opts: { tamper?: boolean; editManifest?: boolean } = {}) => {
  const files = [
    { path: 'orders/ord_1/order.json', sizeBytes: ORDER.length, sha256: sha(ORDER) },
    { path: 'orders/ord_1/inputs/fil_1-scan.stl', sizeBytes: SCAN.length, sha256: sha(SCAN) },
  ];
  const manifest = { kind: 'account-export', exportId: 'exp_1', accountId: 'lab-acme', files };
  const header = { algorithm: 'ECDSA_SHA_256', keyId: 'k1', publicKeySha256: key.sha };
  const value = sign('sha256', Buffer.from(canonicalJson({ manifest, signature: header })), key.privateKey);
  const doc = {
    manifest: opts.editManifest ? { ...manifest, accountId: 'lab-other' } : manifest,
    signature: { ...header, value: value.toString('base64') },
  };
  const manifestBytes = Buffer.from(JSON.stringify(doc));
  const scan = Buffer.from(SCAN);
  if (opts.tamper) scan[3] = 0x21;
  const zip = await zipOf([
    { path: 'orders/ord_1/order.json', body: ORDER, compress: true },
    { path: 'orders/ord_1/inputs/fil_1-scan.stl', body: scan, compress: false },
    { path: 'manifest.json', body: manifestBytes, compress: true },
  ]);
  return { zip: new Uint8Array(zip), manifestSha256: sha(manifestBytes) };
};

describe('verifyArchive', () => {
  it('accepts an account export as written, every listed file checked', async () => {
    const key = keyPair();
    const { zip, manifestSha256 } = await accountExport(key);
    expect(zipEntries(zip).map((e) => e.name)).toContain('manifest.json');
    expect(await verifyArchive(zip, 'account-export', key.pem, manifestSha256)).toEqual({
      valid: true,
      files: 2,
    });
  });

  it('refuses a file changed after it was listed', async () => {
    const key = keyPair();
    const { zip, manifestSha256 } = await accountExport(key, { tamper: true });
    expect(await verifyArchive(zip, 'account-export', key.pem, manifestSha256)).toEqual({
      valid: false,
      reason: 'orders/ord_1/inputs/fil_1-scan.stl: SHA-256 differs',
    });
  });

  it('refuses a manifest edited after signing, and one signed by another key', async () => {
    const key = keyPair();
    const edited = await accountExport(key, { editManifest: true });
    expect(await verifyArchive(edited.zip, 'account-export', key.pem, undefined)).toEqual({
      valid: false,
      reason: 'manifest.json was changed after it was signed',
    });
    const asWritten = await accountExport(key);
    expect(await verifyArchive(asWritten.zip, 'account-export', keyPair().pem, undefined)).toEqual({
      valid: false,
      reason: 'signed by another key than the one the API gives',
    });
  });

  it('refuses a manifest that is not the one the export recorded, and bytes that are not a zip', async () => {
    const key = keyPair();
    const { zip } = await accountExport(key);
    expect(await verifyArchive(zip, 'account-export', key.pem, 'f'.repeat(64))).toEqual({
      valid: false,
      reason: 'manifest.json is not the one the export recorded',
    });
    expect(await verifyArchive(new Uint8Array(100), 'account-export', key.pem, undefined)).toEqual({
      valid: false,
      reason: 'not a zip archive (no end of central directory)',
    });
  });

  it('checks an audit export, whose file list sits at the top of the signed document', async () => {
    const key = keyPair();
    const events = Buffer.from('{"eventId":"e1"}\n');
    const header = { algorithm: 'ECDSA_SHA_256', keyId: 'k2', publicKeySha256: key.sha };
    const body = {
      kind: 'audit-export',
      version: 1,
      files: [{ path: 'events.jsonl', sizeBytes: events.length, sha256: sha(events) }],
    };
    const value = sign('sha256', Buffer.from(canonicalJson({ ...body, signature: header })), key.privateKey);
    const manifest = Buffer.from(
      JSON.stringify({ ...body, signature: { ...header, value: value.toString('base64') } }),
    );
    const zip = await zipOf([
      { path: 'events.jsonl', body: events, compress: true },
      { path: 'manifest.json', body: manifest, compress: true },
    ]);
    expect(await verifyArchive(new Uint8Array(zip), 'audit-export', key.pem, sha(manifest))).toEqual({
      valid: true,
      files: 1,
    });
  });
});
