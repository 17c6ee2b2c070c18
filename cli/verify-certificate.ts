/**
 * `caseline verify-certificate FILE --key KEYFILE`: checks a deletion certificate offline, with
 * nothing but the certificate file and Caseline's public key: a PEM or DER file, or the JSON that
 * GET /certificates/public-key answers. No account, no network, no AWS: a lab or its auditor can
 * run it years later.
 *
 * Without Caseline's code, the same check is:
 *   jq -cS 'del(.signature.value)' FILE | tr -d '\n' > signed.json
 *   jq -r .signature.value FILE | base64 -d > signature.der
 *   openssl dgst -sha256 -verify key.pem -signature signature.der signed.json
 */
import { readFile } from 'node:fs/promises';
import { type DeletionCertificate, verifyCertificate } from '../lambdas/domain/certificate';

export interface CertificateCheck {
  readonly ok: boolean;
  /** One sentence for a person: what the certificate says, or `INVALID: <reason>`. */
  readonly message: string;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

const describe = (c: DeletionCertificate): string => {
  const clear = `no backup can hold the data after ${c.backupsClearBy}`;
  if (c.kind === 'order') {
    return `Certificate ${c.certificateId} for order ${c.orderId} (account ${c.accountId}) is valid: ${plural(c.objects.length, 'object', 'objects')} deleted on ${c.deletedAt}; ${clear}.`;
  }
  const orders = c.orderCertificates?.length ?? 0;
  return `Certificate ${c.certificateId} for account ${c.accountId} is valid: ${plural(orders, 'order', 'orders')} purged (one certificate each) and the account's records deleted on ${c.deletedAt}; ${clear}.`;
};

const read = async (path: string, what: string): Promise<Buffer | string> => {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `INVALID: cannot read the ${what} ${path} (${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')})`;
  }
};

/** PEM text, the public-key endpoint's JSON ({ publicKeyPem }), or else DER SubjectPublicKeyInfo. */
export const publicKeyFrom = (bytes: Buffer): Uint8Array | string => {
  const text = bytes.toString('utf8');
  if (text.trimStart().startsWith('{')) {
    try {
      const { publicKeyPem } = JSON.parse(text) as { publicKeyPem?: unknown };
      if (typeof publicKeyPem === 'string') return publicKeyPem;
    } catch {
      // Not JSON after all: let the key parser say what is wrong with it.
    }
  }
  return text.includes('-----BEGIN ') ? text : bytes;
};

export const verifyCertificateFile = async (
  file: string,
  publicKeyFile: string,
): Promise<CertificateCheck> => {
  const document = await read(file, 'certificate file');
  if (typeof document === 'string') return { ok: false, message: document };
  const key = await read(publicKeyFile, 'public key file');
  if (typeof key === 'string') return { ok: false, message: key };
  const result = verifyCertificate(document.toString('utf8'), publicKeyFrom(key));
  return result.valid
    ? { ok: true, message: describe(result.certificate) }
    : { ok: false, message: `INVALID: ${result.reason}` };
};
