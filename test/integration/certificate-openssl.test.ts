/**
 * docs/certificates.md, run as written: every shell block it marks `<!-- run: NAME -->` is taken
 * from the file and run with sh against a deletion certificate and a termination summary that a
 * local stack of this file's own signed (its KMS stand-in signs like KMS), downloaded over HTTP
 * the way a partner would. openssl is required, not optional: without it these tests fail.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalJson,
  type SignedCertificate,
  signedBytes,
  signedCertificateSha256,
} from '../../lambdas/domain/certificate';
import { projectPath } from '../../lib/project-paths';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { Api } from '../support/api';
import { draftOrder } from '../support/lifecycle';

const DOC = readFileSync(projectPath('docs/certificates.md'), 'utf8');

/** The shell blocks of the doc, by the name of the `<!-- run: NAME -->` marker above each. */
const blocks = new Map(
  [...DOC.matchAll(/<!-- run: ([\w-]+) -->\n```sh\n([\s\S]*?)```/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
);
const block = (name: string): string => {
  const script = blocks.get(name);
  if (!script) throw new Error(`docs/certificates.md has no block marked <!-- run: ${name} -->`);
  return script;
};

let stack: LocalStack;
let api: Api;
let orderId: string;
let order: SignedCertificate;
let summary: SignedCertificate;
let publicKeyJson: string;
let pem: string;
const dirs: string[] = [];

beforeAll(async () => {
  // Prepare: an account with an order, terminated: one order certificate and one summary.
  stack = await startLocalStack({ port: 0 });
  api = new Api(stack.apiUrl);
  ({ orderId } = await draftOrder(api, 'lab.coast'));
  const terminated = await api.call<SignedCertificate>('POST', '/accounts/lab-coast/terminate', {
    as: 'operator.omar',
  });
  expect(terminated.status).toBe(200);
  summary = terminated.body;
  const fetched = await api.call<SignedCertificate>('GET', `/orders/${orderId}/certificate`, {
    as: 'lab.coast',
  });
  expect(fetched.status).toBe(200);
  order = fetched.body;
  const res = await fetch(`${stack.apiUrl}/certificates/public-key`);
  publicKeyJson = await res.text();
  pem = (JSON.parse(publicKeyJson) as { publicKeyPem: string }).publicKeyPem;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs a documented block in a fresh directory holding the given files, as a partner's shell would. */
const run = (script: string, files: Record<string, string>, env: Record<string, string> = {}) => {
  const dir = mkdtempSync(join(tmpdir(), 'caseline-openssl-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const result = spawnSync('sh', ['-e', '-c', script], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { ...result, dir, file: (name: string) => readFileSync(join(dir, name)) };
};

/** The same document as a partner's tools might store it: pretty-printed, members in another order. */
const reformatted = (signed: SignedCertificate): string => {
  const reverse = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(reverse)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .reverse()
              .map(([k, inner]) => [k, reverse(inner)]),
          )
        : v;
  return JSON.stringify(reverse(signed), null, 4);
};

describe('the tools the recipes need', () => {
  it.each(['openssl', 'jq', 'node'])('%s is installed', (tool) => {
    const result = spawnSync(tool, [tool === 'openssl' ? 'version' : '--version'], { encoding: 'utf8' });
    expect(result.error, `${tool} is needed to check docs/certificates.md`).toBeUndefined();
    expect(result.status).toBe(0);
  });
});

describe('docs/certificates.md: the public key', () => {
  it.each(['public-key-jq', 'public-key-node'])(
    '%s writes the PEM of GET /certificates/public-key',
    (name) => {
      const result = run(block(name), { 'public-key.json': publicKeyJson });
      expect(result.status, result.stderr).toBe(0);
      // jq ends its output with one more newline, which PEM readers ignore.
      expect(result.file('caseline.pem').toString('utf8').trimEnd()).toBe(pem.trimEnd());
    },
  );

  it("prints the fingerprint each certificate's signature names", () => {
    const result = run(block('fingerprint'), { 'caseline.pem': pem });
    expect(result.status, result.stderr).toBe(0);
    const [hex] = result.stdout.trim().split(' ');
    expect(hex).toBe(order.signature.publicKeySha256);
    expect(hex).toBe(summary.signature.publicKeySha256);
  });
});

describe.each(['verify-jq', 'verify-node'])('docs/certificates.md: %s', (name) => {
  const verify = (document: string) =>
    run(block(name), { 'certificate.json': document, 'caseline.pem': pem });

  it.each([
    ['an order certificate', () => order],
    ['a termination summary', () => summary],
  ])('verifies %s as downloaded, and after re-formatting', (_, signed) => {
    for (const document of [JSON.stringify(signed()), reformatted(signed())]) {
      const result = verify(document);
      expect(result.stdout.trim(), result.stderr).toBe('Verified OK');
      expect(result.status).toBe(0);
      // The bytes it rebuilt are the bytes Caseline signed.
      const { value: _value, ...header } = signed().signature;
      expect(result.file('signed.bin').equals(signedBytes(signed().certificate, header))).toBe(true);
    }
  });

  it.each([
    [
      'a changed value in the certificate',
      (s: SignedCertificate) => ({ ...s, certificate: { ...s.certificate, accountId: 'lab-acme' } }),
    ],
    [
      'an object left out',
      (s: SignedCertificate) => ({
        ...s,
        certificate: { ...s.certificate, objects: s.certificate.objects.slice(1) },
      }),
    ],
    [
      'a changed signature header',
      (s: SignedCertificate) => ({ ...s, signature: { ...s.signature, keyId: 'another-key' } }),
    ],
    [
      "another document's signature",
      (s: SignedCertificate) => ({ ...s, signature: { ...s.signature, value: summary.signature.value } }),
    ],
  ])('refuses %s (Verification failure, exit 1)', (_, tamper) => {
    const result = verify(JSON.stringify(tamper(order)));
    expect(result.stdout.trim()).toBe('Verification failure');
    expect(result.status).toBe(1);
  });

  it('the order certificate names at least one deleted object (so leaving one out is a real change)', () => {
    expect(order.certificate.objects.length).toBeGreaterThan(0);
  });
});

describe('what the signature covers', () => {
  it('is not the canonical JSON of `certificate` alone, as the contract used to say', () => {
    // Prepare: the bytes the old OpenAPI description named.
    const dir = mkdtempSync(join(tmpdir(), 'caseline-openssl-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'caseline.pem'), pem);
    writeFileSync(join(dir, 'old.bin'), canonicalJson(order.certificate));
    writeFileSync(join(dir, 'signature.der'), Buffer.from(order.signature.value, 'base64'));
    // Act
    const result = spawnSync(
      'openssl',
      ['dgst', '-sha256', '-verify', 'caseline.pem', '-signature', 'signature.der', 'old.bin'],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    // Assess
    expect(result.stdout.trim()).toBe('Verification failure');
  });

  it('docs/openapi.json states it, and points to docs/certificates.md', () => {
    const openapi = JSON.parse(readFileSync(projectPath('docs/openapi.json'), 'utf8')) as {
      components: {
        schemas: {
          SignedCertificate: {
            properties: { signature: { properties: Record<string, { description?: string }> } };
          };
        };
      };
    };
    const signature = openapi.components.schemas.SignedCertificate.properties.signature.properties;
    expect(signature.value?.description).toMatch(/except `?signature\.value`?/);
    expect(signature.value?.description).toContain('docs/certificates.md');
    expect(Object.keys(signature).sort()).toEqual(['algorithm', 'keyId', 'publicKeySha256', 'value']);
  });
});

describe.each(['summary-link-jq', 'summary-link-node'])('docs/certificates.md: %s', (name) => {
  it("prints the summary's digest for the order and the digest of the order's certificate: the same", () => {
    const result = run(
      block(name),
      { 'summary.json': reformatted(summary), 'certificate.json': reformatted(order) },
      { ORDER_ID: orderId },
    );
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toEqual([signedCertificateSha256(order), signedCertificateSha256(order)]);
  });

  it('tells a changed order certificate from the one the summary signed', () => {
    const changed = {
      ...order,
      certificate: { ...order.certificate, deletedAt: '2020-01-01T00:00:00.000Z' },
    };
    const result = run(
      block(name),
      { 'summary.json': JSON.stringify(summary), 'certificate.json': JSON.stringify(changed) },
      { ORDER_ID: orderId },
    );
    const [listed, actual] = result.stdout.trim().split('\n');
    expect(listed).toBe(signedCertificateSha256(order));
    expect(actual).not.toBe(listed);
  });
});
