/**
 * KMS stand-in: the KMS JSON 1.1 wire protocol over loopback, so the real KMSClient talks to it
 * unchanged. Nothing on npm or Debian serves KMS, so this is ours, kept to what Caseline uses.
 *
 * Real cryptography: AES-256-GCM for symmetric keys with the encryption context bound as AAD
 * (a mismatched or missing context fails like KMS: InvalidCiphertextException), ECDSA P-256 and
 * RSA-2048 signatures whose public keys (DER SPKI) verify with any standard library.
 * Key material persists to `stateFile` when given; it is test material, never production keys.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  verify,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';

export interface KmsKeySeed {
  alias: string;
  keySpec: 'SYMMETRIC_DEFAULT' | 'ECC_NIST_P256' | 'RSA_2048';
  keyUsage: 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY';
}

export interface KmsServerOptions {
  host?: string;
  port?: number;
  region: string;
  accountId: string;
  stateFile?: string;
  keys?: readonly KmsKeySeed[];
}

export interface KmsServer {
  endpoint: string;
  keyIdForAlias(alias: string): string;
  keyArnForAlias(alias: string): string;
  close(): Promise<void>;
}

interface StoredKey {
  keyId: string;
  keySpec: KmsKeySeed['keySpec'];
  keyUsage: KmsKeySeed['keyUsage'];
  created: number;
  description: string;
  rotation: boolean;
  /** base64 raw key (symmetric) or PKCS#8 DER (asymmetric). */
  material: string;
}

interface State {
  keys: Record<string, StoredKey>;
  aliases: Record<string, string>;
}

export class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

const BLOB_VERSION = 1;
const SIGNING: Record<string, readonly string[]> = {
  ECC_NIST_P256: ['ECDSA_SHA_256'],
  RSA_2048: ['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256'],
};

/** Canonical AAD: sorted keys, so {a,b} and {b,a} are the same context, as in KMS. */
const aad = (context: unknown): Buffer => {
  const ctx = (context ?? {}) as Record<string, string>;
  return Buffer.from(
    JSON.stringify(
      Object.keys(ctx)
        .sort()
        .map((k) => [k, ctx[k]]),
    ),
  );
};

const newKey = (seed: Omit<KmsKeySeed, 'alias'>, description = ''): StoredKey => {
  const keyId = randomUUID();
  let material: string;
  if (seed.keySpec === 'SYMMETRIC_DEFAULT') material = randomBytes(32).toString('base64');
  else {
    const { privateKey } =
      seed.keySpec === 'ECC_NIST_P256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
    material = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  }
  return {
    keyId,
    keySpec: seed.keySpec,
    keyUsage: seed.keyUsage,
    created: Date.now() / 1000,
    description,
    rotation: false,
    material,
  };
};

export const startKmsServer = async (opts: KmsServerOptions): Promise<KmsServer> => {
  const host = opts.host ?? '127.0.0.1';
  const state: State =
    opts.stateFile && existsSync(opts.stateFile)
      ? (JSON.parse(readFileSync(opts.stateFile, 'utf8')) as State)
      : { keys: {}, aliases: {} };
  const save = () => {
    if (!opts.stateFile) return;
    mkdirSync(dirname(opts.stateFile), { recursive: true });
    writeFileSync(opts.stateFile, JSON.stringify(state), { mode: 0o600 });
  };
  for (const seed of opts.keys ?? []) {
    if (state.aliases[seed.alias]) continue;
    const key = newKey(seed);
    state.keys[key.keyId] = key;
    state.aliases[seed.alias] = key.keyId;
  }
  save();

  const arn = (keyId: string) => `arn:aws:kms:${opts.region}:${opts.accountId}:key/${keyId}`;
  const resolve = (id: unknown): StoredKey => {
    if (typeof id !== 'string' || !id) throw new KmsError('ValidationException', 'KeyId is required');
    let keyId = id;
    const aliasMatch = /^(?:arn:aws:kms:[^:]+:\d+:)?(alias\/.+)$/.exec(id);
    if (aliasMatch?.[1]) keyId = state.aliases[aliasMatch[1]] ?? '';
    else {
      const arnMatch = /^arn:aws:kms:[^:]+:\d+:key\/(.+)$/.exec(id);
      if (arnMatch?.[1]) keyId = arnMatch[1];
    }
    const key = state.keys[keyId];
    if (!key) throw new KmsError('NotFoundException', `Key '${id}' does not exist`);
    return key;
  };
  const requireUsage = (key: StoredKey, usage: StoredKey['keyUsage'], op: string) => {
    if (key.keyUsage !== usage) {
      throw new KmsError(
        'InvalidKeyUsageException',
        `${arn(key.keyId)} key usage is ${key.keyUsage} which is not valid for ${op}.`,
      );
    }
  };
  const b64 = (value: unknown, field: string): Buffer => {
    if (typeof value !== 'string') throw new KmsError('ValidationException', `${field} is required`);
    return Buffer.from(value, 'base64');
  };

  const encryptWith = (key: StoredKey, plaintext: Buffer, context: unknown): Buffer => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(key.material, 'base64'), iv);
    cipher.setAAD(aad(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const id = Buffer.from(key.keyId, 'utf8');
    // version | id length | key id | iv | tag | ciphertext
    return Buffer.concat([Buffer.from([BLOB_VERSION, id.length]), id, iv, cipher.getAuthTag(), body]);
  };

  const decryptBlob = (blob: Buffer, context: unknown, expectedKeyId?: unknown) => {
    const invalid = () => new KmsError('InvalidCiphertextException', '');
    if (blob.length < 2 + 12 + 16 || blob[0] !== BLOB_VERSION) throw invalid();
    const idLen = blob[1] ?? 0;
    const keyId = blob.subarray(2, 2 + idLen).toString('utf8');
    const key = state.keys[keyId];
    if (!key) throw invalid();
    if (expectedKeyId !== undefined && resolve(expectedKeyId).keyId !== keyId) {
      throw new KmsError(
        'IncorrectKeyException',
        'The key ID in the request does not identify a CMK that can perform this operation.',
      );
    }
    requireUsage(key, 'ENCRYPT_DECRYPT', 'Decrypt');
    const rest = blob.subarray(2 + idLen);
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        Buffer.from(key.material, 'base64'),
        rest.subarray(0, 12),
      );
      decipher.setAAD(aad(context));
      decipher.setAuthTag(rest.subarray(12, 28));
      return { key, plaintext: Buffer.concat([decipher.update(rest.subarray(28)), decipher.final()]) };
    } catch {
      throw invalid();
    }
  };

  const metadata = (key: StoredKey) => ({
    AWSAccountId: opts.accountId,
    KeyId: key.keyId,
    Arn: arn(key.keyId),
    CreationDate: key.created,
    Enabled: true,
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: 'Enabled',
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    KeySpec: key.keySpec,
    CustomerMasterKeySpec: key.keySpec,
    MultiRegion: false,
    ...(key.keyUsage === 'ENCRYPT_DECRYPT'
      ? { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] }
      : { SigningAlgorithms: SIGNING[key.keySpec] ?? [] }),
  });

  const signInput = (key: StoredKey, body: Record<string, unknown>) => {
    requireUsage(key, 'SIGN_VERIFY', body.Signature === undefined ? 'Sign' : 'Verify');
    const algorithm = String(body.SigningAlgorithm ?? '');
    if (!(SIGNING[key.keySpec] ?? []).includes(algorithm)) {
      throw new KmsError(
        'InvalidKeyUsageException',
        `Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`,
      );
    }
    const message = b64(body.Message, 'Message');
    const type = body.MessageType ?? 'RAW';
    if (type === 'DIGEST' && message.length !== 32)
      throw new KmsError('ValidationException', 'Digest must be 32 bytes for SHA_256');
    if (message.length > 4096)
      throw new KmsError('ValidationException', 'Message must be at most 4096 bytes');
    const keyObject = createPrivateKey({
      key: Buffer.from(key.material, 'base64'),
      format: 'der',
      type: 'pkcs8',
    });
    const options =
      key.keySpec === 'RSA_2048'
        ? {
            key: keyObject,
            padding:
              algorithm === 'RSASSA_PSS_SHA_256' ? 2 /* RSA_PKCS1_PSS_PADDING */ : 1 /* RSA_PKCS1_PADDING */,
            saltLength: 32,
          }
        : { key: keyObject, dsaEncoding: 'der' as const };
    return { algorithm, message, digest: type === 'DIGEST', keyObject, options };
  };

  const digestSign = (input: ReturnType<typeof signInput>) =>
    // node:crypto signs a precomputed digest through the "null" algorithm only for RSA/EC raw
    // primitives; re-hashing a digest would be wrong, so DIGEST uses the raw-digest path.
    input.digest
      ? sign(null, input.message, { ...input.options, key: input.keyObject })
      : sign('sha256', input.message, input.options);

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    CreateKey: (body) => {
      const keySpec = (body.KeySpec ??
        body.CustomerMasterKeySpec ??
        'SYMMETRIC_DEFAULT') as StoredKey['keySpec'];
      const keyUsage = (body.KeyUsage ?? 'ENCRYPT_DECRYPT') as StoredKey['keyUsage'];
      if (!['SYMMETRIC_DEFAULT', 'ECC_NIST_P256', 'RSA_2048'].includes(keySpec)) {
        throw new KmsError(
          'UnsupportedOperationException',
          `The local KMS supports SYMMETRIC_DEFAULT, ECC_NIST_P256 and RSA_2048, not ${keySpec}`,
        );
      }
      if ((keySpec === 'SYMMETRIC_DEFAULT') !== (keyUsage === 'ENCRYPT_DECRYPT')) {
        throw new KmsError(
          'ValidationException',
          `KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`,
        );
      }
      const key = newKey({ keySpec, keyUsage }, typeof body.Description === 'string' ? body.Description : '');
      state.keys[key.keyId] = key;
      save();
      return { KeyMetadata: metadata(key) };
    },
    DescribeKey: (body) => ({ KeyMetadata: metadata(resolve(body.KeyId)) }),
    CreateAlias: (body) => {
      const name = String(body.AliasName ?? '');
      if (!name.startsWith('alias/') || name.startsWith('alias/aws/'))
        throw new KmsError('ValidationException', 'Alias must start with alias/');
      if (state.aliases[name])
        throw new KmsError('AlreadyExistsException', `An alias with the name ${name} already exists`);
      state.aliases[name] = resolve(body.TargetKeyId).keyId;
      save();
      return {};
    },
    ListAliases: () => ({
      Aliases: Object.entries(state.aliases).map(([AliasName, TargetKeyId]) => ({
        AliasName,
        AliasArn: `arn:aws:kms:${opts.region}:${opts.accountId}:${AliasName}`,
        TargetKeyId,
      })),
      Truncated: false,
    }),
    EnableKeyRotation: (body) => {
      const key = resolve(body.KeyId);
      if (key.keySpec !== 'SYMMETRIC_DEFAULT')
        throw new KmsError('UnsupportedOperationException', 'Asymmetric keys cannot be rotated');
      key.rotation = true;
      save();
      return {};
    },
    GetKeyRotationStatus: (body) => ({ KeyRotationEnabled: resolve(body.KeyId).rotation }),
    Encrypt: (body) => {
      const key = resolve(body.KeyId);
      requireUsage(key, 'ENCRYPT_DECRYPT', 'Encrypt');
      const plaintext = b64(body.Plaintext, 'Plaintext');
      if (plaintext.length < 1 || plaintext.length > 4096)
        throw new KmsError('ValidationException', 'Plaintext must be 1 to 4096 bytes');
      return {
        CiphertextBlob: encryptWith(key, plaintext, body.EncryptionContext).toString('base64'),
        KeyId: arn(key.keyId),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    },
    Decrypt: (body) => {
      const { key, plaintext } = decryptBlob(
        b64(body.CiphertextBlob, 'CiphertextBlob'),
        body.EncryptionContext,
        body.KeyId,
      );
      return {
        Plaintext: plaintext.toString('base64'),
        KeyId: arn(key.keyId),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    },
    GenerateDataKey: (body) => {
      const key = resolve(body.KeyId);
      requireUsage(key, 'ENCRYPT_DECRYPT', 'GenerateDataKey');
      const bytes =
        body.NumberOfBytes !== undefined
          ? Number(body.NumberOfBytes)
          : body.KeySpec === 'AES_128'
            ? 16
            : body.KeySpec === 'AES_256'
              ? 32
              : NaN;
      if (!Number.isInteger(bytes) || bytes < 1 || bytes > 1024)
        throw new KmsError('ValidationException', 'Give KeySpec (AES_128, AES_256) or NumberOfBytes 1–1024');
      const plaintext = randomBytes(bytes);
      return {
        Plaintext: plaintext.toString('base64'),
        CiphertextBlob: encryptWith(key, plaintext, body.EncryptionContext).toString('base64'),
        KeyId: arn(key.keyId),
      };
    },
    GenerateDataKeyWithoutPlaintext: (body) => {
      const generate = operations.GenerateDataKey;
      if (!generate) throw new KmsError('KMSInternalException', 'GenerateDataKey missing');
      const { Plaintext: _p, ...rest } = generate(body) as Record<string, unknown>;
      return rest;
    },
    Sign: (body) => {
      const key = resolve(body.KeyId);
      const input = signInput(key, body);
      return {
        KeyId: arn(key.keyId),
        Signature: digestSign(input).toString('base64'),
        SigningAlgorithm: input.algorithm,
      };
    },
    Verify: (body) => {
      const key = resolve(body.KeyId);
      const input = signInput(key, body);
      const signature = b64(body.Signature, 'Signature');
      const publicKey = createPublicKey(input.keyObject);
      const valid = input.digest
        ? verify(null, input.message, { ...input.options, key: publicKey }, signature)
        : verify('sha256', input.message, { ...input.options, key: publicKey }, signature);
      if (!valid) throw new KmsError('KMSInvalidSignatureException', '');
      return { KeyId: arn(key.keyId), SignatureValid: true, SigningAlgorithm: input.algorithm };
    },
    GetPublicKey: (body) => {
      const key = resolve(body.KeyId);
      if (key.keyUsage !== 'SIGN_VERIFY')
        throw new KmsError('UnsupportedOperationException', `${arn(key.keyId)} is not an asymmetric key`);
      const der = createPublicKey(
        createPrivateKey({ key: Buffer.from(key.material, 'base64'), format: 'der', type: 'pkcs8' }),
      ).export({
        format: 'der',
        type: 'spki',
      });
      return {
        KeyId: arn(key.keyId),
        PublicKey: der.toString('base64'),
        KeySpec: key.keySpec,
        CustomerMasterKeySpec: key.keySpec,
        KeyUsage: key.keyUsage,
        SigningAlgorithms: SIGNING[key.keySpec] ?? [],
      };
    },
  };

  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomUUID(),
      });
      res.end(JSON.stringify(body));
    };
    void readBody(req)
      .then((text) => {
        if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) {
          throw new KmsError(
            'MissingAuthenticationTokenException',
            'Request is missing Authentication Token',
          );
        }
        const target = String(req.headers['x-amz-target'] ?? '');
        const op = operations[target.replace(/^TrentService\./, '')];
        if (!target.startsWith('TrentService.') || !op) {
          throw new KmsError(
            'UnsupportedOperationException',
            `The local KMS does not implement ${target || 'this request'}`,
          );
        }
        let body: Record<string, unknown>;
        try {
          body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          throw new KmsError('SerializationException', 'Malformed JSON');
        }
        send(200, op(body));
      })
      .catch((error: unknown) => {
        const e = error instanceof KmsError ? error : new KmsError('KMSInternalException', 'Internal error');
        send(e.type === 'KMSInternalException' ? 500 : 400, { __type: e.type, message: e.message });
      });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, host, r));
  const { port } = server.address() as AddressInfo;

  const keyIdForAlias = (alias: string) => {
    const id = state.aliases[alias];
    if (!id) throw new Error(`No key with alias ${alias}`);
    return id;
  };
  return {
    endpoint: `http://${host}:${port}`,
    keyIdForAlias,
    keyArnForAlias: (alias) => arn(keyIdForAlias(alias)),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
};
