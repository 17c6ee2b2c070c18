/**
 * Deletion certificates without KMS: a node:crypto P-256 key stands in for the signer, so these
 * tests pin the canonical form, the backup arithmetic, and that every kind of tampering is refused
 * with its own code and reason.
 */
import {
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign as signWithNode,
  verify as verifyWithNode,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BACKUP_WINDOWS } from '../../common/definitions';
import {
  backupsClearBy,
  type CertificateSigner,
  CertificateSigningError,
  canonicalJson,
  type DeletionCertificate,
  InvalidCertificateError,
  publicKeySha256,
  type SignedCertificate,
  signCertificate,
  signedBytes,
  signedCertificateSha256,
  type VerificationFailure,
  verifyCertificate,
} from '../../lambdas/domain/certificate';

// ---------------------------------------------------------------- helpers

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

/** A signer over a node:crypto key: what KmsCertificateSigner does, without KMS. */
class LocalSigner implements CertificateSigner {
  constructor(
    readonly privateKey: KeyObject = p256(),
    private readonly id = 'test-key-1',
  ) {}
  keyId() {
    return this.id;
  }
  async sign(message: Uint8Array) {
    return signWithNode('sha256', message, { key: this.privateKey, dsaEncoding: 'der' });
  }
  async publicKeyDer() {
    return createPublicKey(this.privateKey).export({ format: 'der', type: 'spki' });
  }
}

const makeCertificate = (overrides: Partial<DeletionCertificate> = {}): DeletionCertificate => ({
  certificateId: 'cert_0001',
  kind: 'order',
  accountId: 'lab-acme',
  orderId: 'ord_0001',
  reason: 'retention-expired',
  deletedAt: '2026-01-05T09:00:00.000Z',
  process: 'caseline purge-sweep',
  objects: [
    {
      key: 'accounts/lab-acme/orders/ord_0001/inputs/fil_1.stl',
      versionId: 'v1',
      sizeBytes: 48_000_000,
      sha256: 'a'.repeat(64),
    },
    {
      key: 'accounts/lab-acme/orders/ord_0001/inputs/fil_1.stl',
      versionId: 'v2',
      sizeBytes: 0,
      deleteMarker: true,
    },
  ],
  recordsAnonymised: ['patientRef', 'notes', 'fileNames'],
  backupsClearBy: '2026-02-05T00:00:00.000Z',
  ...overrides,
});

/** A deep copy to tamper with. */
const copy = (signed: SignedCertificate): Record<string, unknown> => JSON.parse(JSON.stringify(signed));

type Tamper = (document: Record<string, unknown>) => void;

/** The container and last key of a dotted path such as `certificate.objects.0.sizeBytes`. */
const locate = (document: Record<string, unknown>, path: string) => {
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  const parent = keys.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], document);
  return { parent: parent as Record<string, unknown> & unknown[], last };
};
const set =
  (path: string, value: unknown): Tamper =>
  (d) => {
    const { parent, last } = locate(d, path);
    parent[last] = value;
  };
const update =
  (path: string, change: (value: unknown) => unknown): Tamper =>
  (d) => {
    const { parent, last } = locate(d, path);
    parent[last] = change(parent[last]);
  };
const remove =
  (path: string): Tamper =>
  (d) => {
    const { parent, last } = locate(d, path);
    delete parent[last];
  };
const list = (path: string, change: (items: unknown[]) => void): Tamper =>
  update(path, (v) => {
    change(v as unknown[]);
    return v;
  });

/** The same document with every object's keys in reverse order, pretty-printed. */
const reordered = (value: unknown): string => {
  const reverse = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(reverse)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .reverse()
              .map(([k, x]) => [k, reverse(x)]),
          )
        : v;
  return JSON.stringify(reverse(value), null, 4);
};

const expectFailure = (
  result: ReturnType<typeof verifyCertificate>,
  code: VerificationFailure,
  reason: RegExp,
) => {
  expect(result).toMatchObject({ valid: false, code });
  if (result.valid) throw new Error('unreachable');
  expect(result.reason).toMatch(reason);
};

// ---------------------------------------------------------------- canonical JSON

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x y' } })).toBe(
      '{"a":{"c":"x y","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('is the same whatever the key order and formatting of the stored file', () => {
    const certificate = makeCertificate();
    const text = canonicalJson(certificate);
    expect(canonicalJson(JSON.parse(reordered(certificate)))).toBe(text);
    expect(canonicalJson(JSON.parse(JSON.stringify(certificate, null, 2)))).toBe(text);
    expect(text).not.toMatch(/\s(?=["{[])|[{,]\s/);
  });

  it('sorts by UTF-16 code units (RFC 8785) and keeps array order', () => {
    expect(canonicalJson({ a: 1, B: 2, é: 3, '10': 4, '9': 5 })).toBe('{"10":4,"9":5,"B":2,"a":1,"é":3}');
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
  });

  it('writes strings and numbers as JSON does', () => {
    expect(canonicalJson({ s: 'line\n"quoted" \u0001 ✓', n: [0, -0, 1.5, 1e21, 48_000_000] })).toBe(
      '{"n":[0,0,1.5,1e+21,48000000],"s":"line\\n\\"quoted\\" \\u0001 ✓"}',
    );
  });

  it('leaves out properties whose value is undefined, as a stored file would', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson(makeCertificate({ orderCertificates: undefined }))).toBe(
      canonicalJson(makeCertificate()),
    );
  });

  it('throws on values JSON would silently alter', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    for (const [value, message] of [
      [{ n: Number.NaN }, /\$\.n is NaN/],
      [{ n: Number.POSITIVE_INFINITY }, /Infinity/],
      [{ d: new Date(0) }, /\$\.d is a Date/],
      [{ list: [1, undefined] }, /\$\.list\[1\] is undefined/],
      [cyclic, /refers back to itself/],
      [{ big: 1n }, /bigint/],
      [{ f: () => 1 }, /function/],
      [undefined, /undefined/],
    ] as const) {
      expect(() => canonicalJson(value)).toThrow(message);
    }
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { k: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"k":1},"b":{"k":1}}');
  });
});

// ---------------------------------------------------------------- backups

describe('backupsClearBy', () => {
  it('adds the longest window and rounds up to the next midnight UTC, as S3 lifecycle expiry does', () => {
    // 09:00 + 30 days = 2026-02-04T09:00; S3 expires noncurrent versions at the following midnight.
    expect(
      backupsClearBy(new Date('2026-01-05T09:00:00.000Z'), {
        noncurrentVersionDays: 30,
        pointInTimeRecoveryDays: 14,
      }),
    ).toBe('2026-02-05T00:00:00.000Z');
  });

  it('uses whichever window is longest', () => {
    const deletedAt = new Date('2026-01-05T09:00:00.000Z');
    expect(backupsClearBy(deletedAt, { noncurrentVersionDays: 10, pointInTimeRecoveryDays: 35 })).toBe(
      '2026-02-10T00:00:00.000Z',
    );
    expect(
      backupsClearBy(deletedAt, {
        noncurrentVersionDays: 10,
        pointInTimeRecoveryDays: 14,
        backupPlanDays: 20,
      }),
    ).toBe('2026-01-26T00:00:00.000Z');
  });

  it('with the windows the app deploys: 30 days of noncurrent versions outlast 14 of PITR and backups', () => {
    expect(BACKUP_WINDOWS).toMatchObject({ noncurrentVersionDays: 30, pointInTimeRecoveryDays: 14 });
    expect(backupsClearBy(new Date('2026-03-31T23:59:59.999Z'), BACKUP_WINDOWS)).toBe(
      '2026-05-01T00:00:00.000Z',
    );
  });

  it('errs late at an exact midnight and across month ends and leap days', () => {
    const windows = { noncurrentVersionDays: 14, pointInTimeRecoveryDays: 14 };
    expect(backupsClearBy(new Date('2026-01-01T00:00:00.000Z'), windows)).toBe('2026-01-16T00:00:00.000Z');
    expect(backupsClearBy(new Date('2028-02-15T12:00:00.000Z'), windows)).toBe('2028-03-01T00:00:00.000Z');
    expect(backupsClearBy(new Date('2026-12-25T12:00:00.000Z'), windows)).toBe('2027-01-09T00:00:00.000Z');
  });

  it('is never earlier than the exact sum, and at most a day later', () => {
    const windows = { noncurrentVersionDays: 30, pointInTimeRecoveryDays: 14 };
    for (let i = 0; i < 500; i++) {
      const deletedAt = new Date(Date.UTC(2026, 0, 1) + Math.floor(Math.random() * 400 * 86_400_000));
      const exact = deletedAt.getTime() + 30 * 86_400_000;
      const clear = Date.parse(backupsClearBy(deletedAt, windows));
      expect(clear).toBeGreaterThan(exact);
      expect(clear - exact).toBeLessThanOrEqual(86_400_000);
      expect(clear % 86_400_000).toBe(0);
    }
  });

  it('refuses an invalid date or window', () => {
    expect(() =>
      backupsClearBy(new Date('nope'), { noncurrentVersionDays: 1, pointInTimeRecoveryDays: 1 }),
    ).toThrow(RangeError);
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() =>
        backupsClearBy(new Date(), { noncurrentVersionDays: bad, pointInTimeRecoveryDays: 1 }),
      ).toThrow(/whole days/);
    }
  });
});

// ---------------------------------------------------------------- signing and verifying

describe('signCertificate and verifyCertificate', () => {
  const signer = new LocalSigner();
  const publicKey = createPublicKey(signer.privateKey);
  const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const der = publicKey.export({ format: 'der', type: 'spki' });

  it('signs a certificate that verifies with the public key as a KeyObject, DER or PEM', async () => {
    const signed = await signCertificate(signer, makeCertificate());
    expect(signed.signature).toMatchObject({
      algorithm: 'ECDSA_SHA_256',
      keyId: 'test-key-1',
      publicKeySha256: publicKeySha256(der),
      value: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
    });
    expect(signed.certificate).toEqual(makeCertificate());
    for (const key of [publicKey, der, new Uint8Array(der), pem]) {
      expect(verifyCertificate(signed, key)).toEqual({ valid: true, certificate: signed.certificate });
    }
  });

  it('signs the whole document but the signature value, so a third party can check it with plain ECDSA', async () => {
    const signed = await signCertificate(signer, makeCertificate());
    const { value, ...header } = signed.signature;
    const message = canonicalJson({ certificate: signed.certificate, signature: header });
    expect(signedBytes(signed.certificate, header).toString('utf8')).toBe(message);
    const signature = Buffer.from(value, 'base64');
    expect(verifyWithNode('sha256', Buffer.from(message), { key: pem, dsaEncoding: 'der' }, signature)).toBe(
      true,
    );
  });

  it('verifies a stored file whatever its key order and whitespace, as text or parsed', async () => {
    const signed = await signCertificate(signer, makeCertificate());
    const stored = reordered(signed);
    expect(stored).not.toContain(JSON.stringify(signed));
    expect(verifyCertificate(stored, pem).valid).toBe(true);
    expect(verifyCertificate(JSON.parse(stored), der).valid).toBe(true);
  });

  it('returns exactly what it signed: a sorted copy without undefined properties', async () => {
    const input = makeCertificate({ orderCertificates: undefined });
    const first = input.objects[0];
    if (!first) throw new Error('fixture has objects');
    first.sha256 = undefined;
    const signed = await signCertificate(signer, input);
    expect(Object.keys(signed.certificate)).toEqual(Object.keys(signed.certificate).sort());
    expect(signed.certificate).not.toHaveProperty('orderCertificates');
    expect(signed.certificate.objects[0]).not.toHaveProperty('sha256');
    input.accountId = 'lab-other';
    expect(signed.certificate.accountId).toBe('lab-acme');
    expect(verifyCertificate(JSON.stringify(signed), pem).valid).toBe(true);
  });

  it('signs an account summary that pins each order certificate by its SHA-256', async () => {
    const orderCertificate = await signCertificate(signer, makeCertificate());
    const sha256 = signedCertificateSha256(orderCertificate);
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(signedCertificateSha256(JSON.parse(reordered(orderCertificate)))).toBe(sha256);
    const summary = await signCertificate(
      signer,
      makeCertificate({
        certificateId: 'cert_0002',
        kind: 'account-summary',
        orderId: undefined,
        reason: 'account-termination',
        objects: [],
        orderCertificates: [{ orderId: 'ord_0001', certificateId: 'cert_0001', sha256 }],
      }),
    );
    expect(verifyCertificate(summary, pem)).toMatchObject({ valid: true });
  });

  it('signs a big order (far over 4 KB) like a small one', async () => {
    const objects = Array.from({ length: 200 }, (_, i) => ({
      key: `accounts/lab-acme/orders/ord_0001/inputs/fil_${i}.stl`,
      versionId: `v${i}`,
      sizeBytes: 100_000_000 + i,
      sha256: i.toString(16).padStart(64, '0'),
    }));
    const signed = await signCertificate(signer, makeCertificate({ objects }));
    expect(canonicalJson(signed.certificate).length).toBeGreaterThan(4096 * 4);
    expect(verifyCertificate(signed, der).valid).toBe(true);
  });

  describe('refuses a tampered certificate, saying how', () => {
    const signedP = signCertificate(signer, makeCertificate());

    it.each([
      ['accountId', set('certificate.accountId', 'lab-other')],
      ['orderId', set('certificate.orderId', 'ord_0002')],
      ['deletedAt', set('certificate.deletedAt', '2026-01-06T09:00:00.000Z')],
      ['backupsClearBy', set('certificate.backupsClearBy', '2026-01-20T00:00:00.000Z')],
      ['reason', set('certificate.reason', 'lab-request')],
      ['an object size', update('certificate.objects.0.sizeBytes', (n) => Number(n) + 1)],
      ['an object hash', set('certificate.objects.0.sha256', 'b'.repeat(64))],
      ['the object order', list('certificate.objects', (items) => items.reverse())],
      ['an object dropped', list('certificate.objects', (items) => items.pop())],
      ['an anonymised attribute dropped', list('certificate.recordsAnonymised', (items) => items.pop())],
      ['an optional field removed', remove('certificate.objects.0.versionId')],
      ['the key id', set('signature.keyId', 'arn:aws:kms:us-east-1:1:key/other')],
    ])('a changed %s: SIGNATURE_MISMATCH', async (_, tamper) => {
      const document = copy(await signedP);
      tamper(document);
      expectFailure(verifyCertificate(document, pem), 'SIGNATURE_MISMATCH', /does not match the certificate/);
    });

    it.each([
      ['certificate.accountId', remove('certificate.accountId')],
      ['certificate.backupsClearBy', remove('certificate.backupsClearBy')],
      ['certificate.objects[0].sizeBytes', remove('certificate.objects.0.sizeBytes')],
      ['signature.value', remove('signature.value')],
      ['signature', remove('signature')],
    ])('a removed field %s: FIELD_MISSING, named', async (field, tamper) => {
      const document = copy(await signedP);
      tamper(document);
      expectFailure(
        verifyCertificate(document, pem),
        'FIELD_MISSING',
        new RegExp(`missing field ${field.replace(/[.[\]]/g, '\\$&')}`),
      );
    });

    it('a removed orderId: FIELD_MISSING, with why an order certificate needs it', async () => {
      const document = copy(await signedP);
      remove('certificate.orderId')(document);
      expectFailure(
        verifyCertificate(document, pem),
        'FIELD_MISSING',
        /missing field certificate\.orderId: an order certificate names its order/,
      );
    });

    it.each([
      ['certificate.patientName', set('certificate.patientName', 'J. Doe')],
      ['certificate.objects[1].fileName', set('certificate.objects.1.fileName', 'x.stl')],
      ['signature.comment', set('signature.comment', 'trust me')],
      ['note', set('note', 'added')],
      ['certificate.orderCertificates', set('certificate.orderCertificates', [])],
    ])('an added field %s: FIELD_UNEXPECTED, named', async (field, tamper) => {
      const document = copy(await signedP);
      tamper(document);
      expectFailure(
        verifyCertificate(document, pem),
        'FIELD_UNEXPECTED',
        new RegExp(`unexpected field ${field.replace(/[.[\]]/g, '\\$&')}`),
      );
    });

    it("a signature swapped for another certificate's: SIGNATURE_MISMATCH", async () => {
      const other = await signCertificate(signer, makeCertificate({ certificateId: 'cert_0009' }));
      const document = copy(await signedP);
      set('signature.value', other.signature.value)(document);
      expectFailure(verifyCertificate(document, pem), 'SIGNATURE_MISMATCH', /belongs to another certificate/);
      // The whole signature block of the other certificate does no better.
      set('signature', other.signature)(document);
      expectFailure(verifyCertificate(document, pem), 'SIGNATURE_MISMATCH', /does not match/);
    });

    it('the wrong public key: WRONG_KEY, with both fingerprints', async () => {
      const signed = await signedP;
      const otherKey = createPublicKey(p256());
      const otherSha = publicKeySha256(otherKey.export({ format: 'der', type: 'spki' }));
      const result = verifyCertificate(signed, otherKey);
      expectFailure(result, 'WRONG_KEY', /signed by another key \(test-key-1/);
      expectFailure(result, 'WRONG_KEY', new RegExp(`${signed.signature.publicKeySha256}.*${otherSha}`));
    });

    it('a certificate re-signed with another key: WRONG_KEY under the real key', async () => {
      const forged = await signCertificate(new LocalSigner(p256(), 'forger'), makeCertificate());
      expectFailure(verifyCertificate(forged, pem), 'WRONG_KEY', /forger/);
    });

    it('a fingerprint edited to match the key given: SIGNATURE_MISMATCH (the fingerprint is signed)', async () => {
      const forged = copy(await signCertificate(new LocalSigner(), makeCertificate()));
      set('signature.publicKeySha256', publicKeySha256(der))(forged);
      expectFailure(verifyCertificate(forged, pem), 'SIGNATURE_MISMATCH', /does not match/);
    });

    it.each([
      ['not JSON', '{"certificate": ', /not JSON/],
      ['null', null, /not a signed certificate/],
      ['an array', [], /not a signed certificate/],
      ['a number', 42, /not a signed certificate/],
    ])('a malformed document (%s): MALFORMED', (_, document, reason) => {
      expectFailure(verifyCertificate(document, pem), 'MALFORMED', reason);
    });

    it.each([
      ['an unknown kind', set('certificate.kind', 'invoice'), /certificate\.kind/],
      [
        'an impossible date',
        set('certificate.deletedAt', '2026-02-30T09:00:00.000Z'),
        /certificate\.deletedAt is not a real date/,
      ],
      [
        'a local time',
        set('certificate.deletedAt', '2026-01-05 09:00'),
        /certificate\.deletedAt must be an ISO 8601/,
      ],
      ['a negative size', set('certificate.objects.0.sizeBytes', -1), /objects\[0\]\.sizeBytes/],
      ['a size as text', set('certificate.objects.0.sizeBytes', '1'), /sizeBytes expected number/],
      [
        'an uppercase hash',
        set('certificate.objects.0.sha256', 'A'.repeat(64)),
        /sha256 must be 64 lowercase/,
      ],
      [
        'free text as an attribute',
        list('certificate.recordsAnonymised', (items) => items.push('John Doe')),
        /recordsAnonymised\[3\] must be an attribute name/,
      ],
      [
        'another algorithm',
        set('signature.algorithm', 'RSASSA_PSS_SHA_256'),
        /signature\.algorithm must be ECDSA_SHA_256/,
      ],
      [
        'a signature that is not base64',
        set('signature.value', 'not base64!'),
        /signature\.value must be base64/,
      ],
      [
        'clear-by before deletion',
        set('certificate.backupsClearBy', '2025-01-01T00:00:00.000Z'),
        /backupsClearBy is before deletedAt/,
      ],
      [
        'a duplicated object',
        list('certificate.objects', (items) => items.push(items[0])),
        /objects\[2\] lists an object version twice/,
      ],
    ])('a malformed field (%s): MALFORMED, named', async (_, tamper, reason) => {
      const document = copy(await signedP);
      tamper(document);
      expectFailure(verifyCertificate(document, pem), 'MALFORMED', reason);
    });

    it('a signature that is base64 but not DER: BAD_SIGNATURE_ENCODING', async () => {
      const signed = await signedP;
      for (const value of [
        Buffer.alloc(64, 7).toString('base64'), // raw r||s (IEEE P1363), not DER
        Buffer.from(signed.signature.value, 'base64').subarray(0, 40).toString('base64'),
        Buffer.concat([Buffer.from(signed.signature.value, 'base64'), Buffer.from([0])]).toString('base64'),
      ]) {
        const document = copy(signed);
        set('signature.value', value)(document);
        expectFailure(verifyCertificate(document, pem), 'BAD_SIGNATURE_ENCODING', /not a DER-encoded ECDSA/);
      }
    });

    it('a public key that is not ECDSA P-256, or not a key: BAD_PUBLIC_KEY', async () => {
      const signed = await signedP;
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
      const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
      expectFailure(verifyCertificate(signed, rsa), 'BAD_PUBLIC_KEY', /rsa key, not an ECDSA key/);
      expectFailure(verifyCertificate(signed, p384), 'BAD_PUBLIC_KEY', /secp384r1, not P-256/);
      expectFailure(verifyCertificate(signed, Buffer.from('not a key')), 'BAD_PUBLIC_KEY', /cannot be used/);
      expectFailure(verifyCertificate(signed, 'not a pem'), 'BAD_PUBLIC_KEY', /cannot be used/);
    });

    it('never throws, whatever it is given', () => {
      for (const document of [
        undefined,
        '',
        'null',
        '[]',
        { certificate: null, signature: null },
        { a: 1 },
      ]) {
        const result = verifyCertificate(document, pem);
        expect(result.valid).toBe(false);
      }
    });
  });

  describe('signCertificate refuses', () => {
    it.each([
      [
        'an order certificate without its order',
        { orderId: undefined },
        /certificate\.orderId: an order certificate names its order/,
      ],
      [
        'an account summary naming one order',
        { kind: 'account-summary' as const, orderCertificates: [] },
        /unexpected field certificate\.orderId/,
      ],
      [
        'an account summary without its orders',
        { kind: 'account-summary' as const, orderId: undefined },
        /missing field certificate\.orderCertificates/,
      ],
      [
        'a patient name among the attributes',
        { recordsAnonymised: ['patientRef', 'Jane Doe'] },
        /recordsAnonymised\[1\] must be an attribute name/,
      ],
      [
        'a date that is not from toISOString',
        { deletedAt: '2026-01-05T09:00:00Z' },
        /deletedAt must be an ISO 8601/,
      ],
      ['an account id with spaces', { accountId: 'Acme Dental Lab' }, /accountId must be an id/],
    ])('%s, before anything is signed', async (_, overrides, message) => {
      let signed = 0;
      const counting: CertificateSigner = {
        keyId: () => 'k',
        publicKeyDer: () => signer.publicKeyDer(),
        sign: async (m) => {
          signed++;
          return signer.sign(m);
        },
      };
      const error = await signCertificate(counting, makeCertificate(overrides)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidCertificateError);
      expect((error as InvalidCertificateError).name).toBe('InvalidCertificateError');
      expect((error as Error).message).toMatch(message);
      expect(signed).toBe(0);
    });

    it('a signature its signer’s own public key does not verify', async () => {
      const mismatched: CertificateSigner = {
        keyId: () => 'alias/moved',
        sign: (m) => new LocalSigner().sign(m),
        publicKeyDer: () => signer.publicKeyDer(),
      };
      const error = await signCertificate(mismatched, makeCertificate()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CertificateSigningError);
      expect((error as Error).name).toBe('CertificateSigningError');
      expect((error as Error).message).toMatch(/alias\/moved .* does not verify \(SIGNATURE_MISMATCH\)/);
    });
  });
});
