/**
 * KMS stand-in: the KMS wire protocol over loopback, so the real KMSClient talks to it unchanged.
 * Nothing on npm or Debian serves KMS, so this is ours, kept to the operations Caseline uses and
 * behaving like KMS where it matters: real AES-256-GCM with the encryption context bound as AAD,
 * ECDSA P-256 and RSA-2048 signatures that third parties verify with the public key, HMAC-SHA-256
 * MACs with a per-key secret, keys that can be disabled (a fault tests inject over the wire), and the
 * same exception types (NotFound, InvalidCiphertext, IncorrectKey, InvalidKeyUsage,
 * KMSInvalidSignature, KMSInvalidMac, Disabled).
 * test/integration/kms-conformance.test.ts runs one suite against this and against moto_server.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  blobKeyId,
  DIGEST_LENGTH,
  MAC_ALGORITHMS,
  macWith,
  open,
  SIGNING_ALGORITHMS,
  seal,
  signWith,
  verifyWith,
} from './crypto';
import {
  type Body,
  encryptionContext,
  KmsError,
  type Operation,
  optionalString,
  requiredBlob,
  requiredString,
  serveJson11,
  validation,
} from './protocol';
import { checkKeySpec, KeyStore, type StoredKey } from './store';

export { KmsError } from './protocol';

export interface KmsKeySeed {
  alias: string;
  keySpec: 'SYMMETRIC_DEFAULT' | 'ECC_NIST_P256' | 'RSA_2048' | 'HMAC_256';
  keyUsage: 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC';
}

export interface KmsServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  region: string;
  accountId: string;
  /** Keys, private material included, persist here across restarts (parent directory created). */
  stateFile?: string;
  /** Created at start unless the alias already exists, so seeding is idempotent with stateFile. */
  keys?: readonly KmsKeySeed[];
  /** The clock key deletion windows run on (the local stack's adjustable clock); default system time. */
  clock?: { now(): Date };
}

export interface KmsServer {
  /** http://host:port */
  endpoint: string;
  keyIdForAlias(alias: string): string;
  keyArnForAlias(alias: string): string;
  close(): Promise<void>;
}

const MAX_PLAINTEXT = 4096;
// Every signing algorithm KMS knows: an unknown name is a ValidationException, a known one the key
// cannot use is an InvalidKeyUsageException (as the KMS API reference documents for Sign/Verify).
const KMS_SIGNING_ALGORITHMS = [
  ...SIGNING_ALGORITHMS.RSA_2048.map((a) => a.name),
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'ED25519_SHA_512',
  'ED25519_PH_SHA_512',
  'SM2DSA',
  'ML_DSA_SHAKE_256',
];
const KMS_MAC_ALGORITHMS = ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'];

// Tags as KMS checks them: at most 50, keys 1–128 and values 0–256 characters, no aws: prefix.
const tagsOf = (body: Body): Record<string, string> | undefined => {
  const given = body.Tags;
  if (given === undefined || given === null) return undefined;
  if (!Array.isArray(given) || given.length > 50)
    throw validation('tags', 'must have length less than or equal to 50', given);
  const tags: Record<string, string> = {};
  for (const tag of given as { TagKey?: unknown; TagValue?: unknown }[]) {
    const { TagKey, TagValue } = tag ?? {};
    if (typeof TagKey !== 'string' || TagKey.length < 1 || TagKey.length > 128)
      throw validation('tags.member.tagKey', 'must have length between 1 and 128', TagKey);
    if (typeof TagValue !== 'string' || TagValue.length > 256)
      throw validation('tags.member.tagValue', 'must have length less than or equal to 256', TagValue);
    if (TagKey.toLowerCase().startsWith('aws:'))
      throw new KmsError('TagException', 'Tags beginning with aws: are reserved.');
    if (Object.hasOwn(tags, TagKey)) throw new KmsError('TagException', `Duplicate tag key ${TagKey}.`);
    tags[TagKey] = TagValue;
  }
  return tags;
};

/** The stand-in evaluates no policy (docs/design.md), but keeps one KMS would accept: JSON, at most 32 KB, with statements. */
const checkPolicy = (policy: string) => {
  if (policy.length > 32_768) throw validation('policy', 'must have length less than or equal to 32768', '…');
  let statements: unknown;
  try {
    statements = (JSON.parse(policy) as { Statement?: unknown }).Statement;
  } catch {
    throw new KmsError('MalformedPolicyDocumentException', 'The new key policy is not valid JSON.');
  }
  if (!Array.isArray(statements) || statements.length === 0) {
    throw new KmsError('MalformedPolicyDocumentException', 'The new key policy has no statements.');
  }
};

const operationsFor = (store: KeyStore): Record<string, Operation> => {
  const save = () => store.save();
  const defaultPolicy = () =>
    JSON.stringify({
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${store.accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
  const key = (body: Body) => store.resolve(requiredString(body, 'KeyId'));
  /** Cryptographic operations refuse a disabled key or one pending deletion, as KMS does; DescribeKey still answers. */
  const requireUsable = (k: StoredKey) => {
    if (k.state === 'Disabled') throw new KmsError('DisabledException', `${store.arn(k.keyId)} is disabled.`);
    if (k.state === 'PendingDeletion') {
      throw new KmsError('KMSInvalidStateException', `${store.arn(k.keyId)} is pending deletion.`);
    }
    return k;
  };
  const usable = (body: Body) => requireUsable(key(body));

  const requireUsage = (k: StoredKey, usage: StoredKey['keyUsage'], operation: string) => {
    requireUsable(k);
    if (k.keyUsage !== usage) {
      throw new KmsError(
        'InvalidKeyUsageException',
        `${store.arn(k.keyId)} key usage is ${k.keyUsage} which is not valid for ${operation}.`,
      );
    }
  };

  const requireSymmetricAlgorithm = (body: Body) => {
    const algorithm = optionalString(body, 'EncryptionAlgorithm');
    if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT') {
      throw new KmsError(
        'InvalidKeyUsageException',
        `The encryption algorithm ${algorithm} is not valid for a SYMMETRIC_DEFAULT key.`,
      );
    }
  };

  const metadata = (k: StoredKey) => ({
    AWSAccountId: store.accountId,
    KeyId: k.keyId,
    Arn: store.arn(k.keyId),
    CreationDate: k.created,
    Enabled: (k.state ?? 'Enabled') === 'Enabled',
    Description: k.description,
    KeyUsage: k.keyUsage,
    KeyState: k.state ?? 'Enabled',
    ...(k.deletionDate !== undefined ? { DeletionDate: k.deletionDate } : {}),
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    KeySpec: k.keySpec,
    CustomerMasterKeySpec: k.keySpec,
    MultiRegion: false,
    ...(k.keyUsage === 'ENCRYPT_DECRYPT'
      ? { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] }
      : k.keyUsage === 'GENERATE_VERIFY_MAC'
        ? { MacAlgorithms: [MAC_ALGORITHMS[k.keySpec]?.name] }
        : { SigningAlgorithms: SIGNING_ALGORITHMS[k.keySpec].map((a) => a.name) }),
  });

  const dataKey = (body: Body) => {
    const k = usable(body);
    requireUsage(k, 'ENCRYPT_DECRYPT', 'GenerateDataKey');
    const spec = optionalString(body, 'KeySpec');
    const count = body.NumberOfBytes;
    if ((spec === undefined) === (count === undefined || count === null)) {
      throw new KmsError('ValidationException', 'Please specify either number of bytes or key spec.');
    }
    if (spec !== undefined && spec !== 'AES_256' && spec !== 'AES_128') {
      throw validation('keySpec', 'must satisfy enum value set: [AES_256, AES_128]', spec);
    }
    const bytes = spec === 'AES_256' ? 32 : spec === 'AES_128' ? 16 : Number(count);
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > 1024) {
      throw validation('numberOfBytes', 'must have value between 1 and 1024', count);
    }
    const plaintext = randomBytes(bytes);
    return {
      CiphertextBlob: seal(k.keyId, k.material, plaintext, encryptionContext(body)).toString('base64'),
      Plaintext: plaintext.toString('base64'),
      KeyId: store.arn(k.keyId),
    };
  };

  /** Checks shared by Sign and Verify: the key, the algorithm, and what is being signed. */
  const signingInput = (body: Body, operation: 'Sign' | 'Verify') => {
    const k = usable(body);
    requireUsage(k, 'SIGN_VERIFY', operation);
    const name = requiredString(body, 'SigningAlgorithm');
    if (!KMS_SIGNING_ALGORITHMS.includes(name)) {
      throw validation(
        'signingAlgorithm',
        `must satisfy enum value set: [${KMS_SIGNING_ALGORITHMS.join(', ')}]`,
        name,
      );
    }
    const algorithm = SIGNING_ALGORITHMS[k.keySpec].find((a) => a.name === name);
    if (!algorithm) {
      throw new KmsError(
        'InvalidKeyUsageException',
        `Signing algorithm ${name} is not compatible with ${store.arn(k.keyId)}, a ${k.keySpec} key.`,
      );
    }
    const messageType = optionalString(body, 'MessageType') ?? 'RAW';
    if (messageType !== 'RAW' && messageType !== 'DIGEST') {
      throw validation('messageType', 'must satisfy enum value set: [RAW, DIGEST, EXTERNAL_MU]', messageType);
    }
    const message = requiredBlob(body, 'Message', MAX_PLAINTEXT);
    const isDigest = messageType === 'DIGEST';
    if (isDigest && message.length !== DIGEST_LENGTH[algorithm.hash]) {
      throw new KmsError('ValidationException', `Digest is invalid length for algorithm ${name}.`);
    }
    return { k, algorithm, message, isDigest };
  };

  /** Checks shared by GenerateMac and VerifyMac; returns the MAC of the message. */
  const macOf = (body: Body, operation: 'GenerateMac' | 'VerifyMac') => {
    const k = usable(body);
    requireUsage(k, 'GENERATE_VERIFY_MAC', operation);
    const name = requiredString(body, 'MacAlgorithm');
    if (!KMS_MAC_ALGORITHMS.includes(name)) {
      throw validation(
        'macAlgorithm',
        `must satisfy enum value set: [${KMS_MAC_ALGORITHMS.join(', ')}]`,
        name,
      );
    }
    const algorithm = MAC_ALGORITHMS[k.keySpec];
    if (algorithm?.name !== name) {
      throw new KmsError(
        'InvalidKeyUsageException',
        `MAC algorithm ${name} is not compatible with ${store.arn(k.keyId)}, a ${k.keySpec} key.`,
      );
    }
    const message = requiredBlob(body, 'Message', MAX_PLAINTEXT);
    return { k, name, mac: macWith(k.material, algorithm.hash, message) };
  };

  const operations: Record<string, Operation> = {
    CreateKey: (body) => {
      const { keySpec, keyUsage } = checkKeySpec(
        optionalString(body, 'KeySpec') ??
          optionalString(body, 'CustomerMasterKeySpec') ??
          'SYMMETRIC_DEFAULT',
        optionalString(body, 'KeyUsage') ?? 'ENCRYPT_DECRYPT',
      );
      const policy = optionalString(body, 'Policy');
      if (policy !== undefined) checkPolicy(policy);
      const tags = tagsOf(body);
      const k = store.create(keySpec, keyUsage, optionalString(body, 'Description'));
      if (policy !== undefined) k.policy = policy;
      if (tags) k.tags = tags;
      save();
      return { KeyMetadata: metadata(k) };
    },

    TagResource: (body) => {
      const k = key(body);
      if (k.state === 'PendingDeletion') {
        throw new KmsError('KMSInvalidStateException', `${store.arn(k.keyId)} is pending deletion.`);
      }
      const tags = tagsOf(body);
      if (!tags) throw validation('tags', 'must not be null');
      k.tags = { ...k.tags, ...tags };
      save();
      return {};
    },

    ListResourceTags: (body) => {
      const k = key(body);
      return {
        Tags: Object.entries(k.tags ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
        Truncated: false,
      };
    },

    GetKeyPolicy: (body) => {
      const k = key(body);
      const name = optionalString(body, 'PolicyName') ?? 'default';
      if (name !== 'default') throw new KmsError('NotFoundException', `No such policy exists: ${name}`);
      return { Policy: k.policy ?? defaultPolicy(), PolicyName: 'default' };
    },

    DescribeKey: (body) => ({ KeyMetadata: metadata(key(body)) }),

    // Key states (KMS's key state table): a disabled key or one pending deletion does no
    // cryptography, so whatever it protects (SSE-KMS objects included) cannot be read.
    DisableKey: (body) => {
      const k = key(body);
      if (k.state === 'PendingDeletion') {
        throw new KmsError('KMSInvalidStateException', `${store.arn(k.keyId)} is pending deletion.`);
      }
      k.state = 'Disabled';
      save();
      return {};
    },

    EnableKey: (body) => {
      const k = key(body);
      if (k.state === 'PendingDeletion') {
        throw new KmsError('KMSInvalidStateException', `${store.arn(k.keyId)} is pending deletion.`);
      }
      k.state = 'Enabled';
      save();
      return {};
    },

    ScheduleKeyDeletion: (body) => {
      const k = key(body);
      const days = body.PendingWindowInDays ?? 30;
      if (typeof days !== 'number' || !Number.isInteger(days) || days < 7 || days > 30) {
        throw validation('pendingWindowInDays', 'must have value between 7 and 30', days);
      }
      if (k.state === 'PendingDeletion') {
        throw new KmsError('KMSInvalidStateException', `${store.arn(k.keyId)} is pending deletion.`);
      }
      k.state = 'PendingDeletion';
      k.deletionDate = store.seconds() + days * 86_400;
      save();
      return {
        KeyId: store.arn(k.keyId),
        DeletionDate: k.deletionDate,
        KeyState: 'PendingDeletion',
        PendingWindowInDays: days,
      };
    },

    CancelKeyDeletion: (body) => {
      const k = key(body);
      if (k.state !== 'PendingDeletion') {
        throw new KmsError('KMSInvalidStateException', `${store.arn(k.keyId)} is not pending deletion.`);
      }
      k.state = 'Disabled';
      delete k.deletionDate;
      save();
      return { KeyId: store.arn(k.keyId) };
    },

    CreateAlias: (body) => {
      store.createAlias(requiredString(body, 'AliasName'), requiredString(body, 'TargetKeyId'));
      save();
      return {};
    },

    ListAliases: (body) => {
      const filter = optionalString(body, 'KeyId');
      const keyId = filter === undefined ? undefined : store.resolve(filter).keyId;
      return {
        Aliases: store
          .aliases()
          .filter(([, target]) => keyId === undefined || target === keyId)
          .map(([AliasName, TargetKeyId]) => ({
            AliasName,
            AliasArn: store.aliasArn(AliasName),
            TargetKeyId,
          })),
        Truncated: false,
      };
    },

    EnableKeyRotation: (body) => {
      const k = usable(body);
      if (k.keySpec !== 'SYMMETRIC_DEFAULT') {
        throw new KmsError(
          'UnsupportedOperationException',
          `${store.arn(k.keyId)} key usage is ${k.keyUsage} which is not valid for EnableKeyRotation.`,
        );
      }
      k.rotation = true;
      save();
      return {};
    },

    GetKeyRotationStatus: (body) => {
      const k = key(body);
      return {
        KeyId: store.arn(k.keyId),
        KeyRotationEnabled: k.rotation,
        ...(k.rotation ? { RotationPeriodInDays: 365 } : {}),
      };
    },

    Encrypt: (body) => {
      const k = usable(body);
      requireUsage(k, 'ENCRYPT_DECRYPT', 'Encrypt');
      requireSymmetricAlgorithm(body);
      const plaintext = requiredBlob(body, 'Plaintext', MAX_PLAINTEXT);
      return {
        CiphertextBlob: seal(k.keyId, k.material, plaintext, encryptionContext(body)).toString('base64'),
        KeyId: store.arn(k.keyId),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    },

    Decrypt: (body) => {
      const blob = requiredBlob(body, 'CiphertextBlob');
      requireSymmetricAlgorithm(body);
      const requested = optionalString(body, 'KeyId');
      const requestedKey = requested === undefined ? undefined : store.resolve(requested);
      // One answer for every unreadable blob, as KMS gives: no hint whether key, blob or context was wrong.
      const invalid = new KmsError('InvalidCiphertextException', '');
      const embedded = blobKeyId(blob);
      if (embedded === undefined) throw invalid;
      if (requestedKey && requestedKey.keyId !== embedded) {
        throw new KmsError(
          'IncorrectKeyException',
          'The key ID in the request does not identify a CMK that can perform this operation.',
        );
      }
      const k = store.find(embedded);
      if (!k && store.wasDeleted(embedded)) {
        // What KMS answers for a ciphertext whose key was deleted: the key material is gone.
        throw new KmsError(
          'AccessDeniedException',
          'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
        );
      }
      if (!k) throw invalid;
      requireUsage(k, 'ENCRYPT_DECRYPT', 'Decrypt');
      const plaintext = open(k.material, blob, encryptionContext(body));
      if (!plaintext) throw invalid;
      return {
        Plaintext: plaintext.toString('base64'),
        KeyId: store.arn(k.keyId),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    },

    GenerateDataKey: dataKey,

    GenerateDataKeyWithoutPlaintext: (body) => {
      const { Plaintext: _dropped, ...rest } = dataKey(body);
      return rest;
    },

    Sign: (body) => {
      const { k, algorithm, message, isDigest } = signingInput(body, 'Sign');
      const signature = signWith(store.privateKey(k), algorithm, message, isDigest);
      return {
        KeyId: store.arn(k.keyId),
        Signature: signature.toString('base64'),
        SigningAlgorithm: algorithm.name,
      };
    },

    Verify: (body) => {
      const { k, algorithm, message, isDigest } = signingInput(body, 'Verify');
      const signature = requiredBlob(body, 'Signature');
      if (!verifyWith(store.publicKey(k), algorithm, message, isDigest, signature)) {
        throw new KmsError('KMSInvalidSignatureException', '');
      }
      return { KeyId: store.arn(k.keyId), SignatureValid: true, SigningAlgorithm: algorithm.name };
    },

    GenerateMac: (body) => {
      const { k, name, mac } = macOf(body, 'GenerateMac');
      return { Mac: mac.toString('base64'), MacAlgorithm: name, KeyId: store.arn(k.keyId) };
    },

    VerifyMac: (body) => {
      const { k, name, mac } = macOf(body, 'VerifyMac');
      const given = requiredBlob(body, 'Mac');
      if (given.length !== mac.length || !timingSafeEqual(given, mac)) {
        throw new KmsError('KMSInvalidMacException', '');
      }
      return { KeyId: store.arn(k.keyId), MacValid: true, MacAlgorithm: name };
    },

    GetPublicKey: (body) => {
      const k = usable(body);
      if (k.keySpec === 'SYMMETRIC_DEFAULT' || k.keySpec === 'HMAC_256') {
        throw new KmsError(
          'UnsupportedOperationException',
          `${store.arn(k.keyId)} is a symmetric key: it has no public key.`,
        );
      }
      return {
        KeyId: store.arn(k.keyId),
        PublicKey: store.publicKey(k).export({ format: 'der', type: 'spki' }).toString('base64'),
        KeySpec: k.keySpec,
        CustomerMasterKeySpec: k.keySpec,
        KeyUsage: k.keyUsage,
        SigningAlgorithms: SIGNING_ALGORITHMS[k.keySpec].map((a) => a.name),
      };
    },
  };
  // Keys whose deletion window ended on the clock are gone before any request is answered.
  return Object.fromEntries(
    Object.entries(operations).map(([name, operation]) => [
      name,
      (body: Body) => {
        store.deleteExpired();
        return operation(body);
      },
    ]),
  );
};

export const startKmsServer = async (opts: KmsServerOptions): Promise<KmsServer> => {
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.clock;
  const store = new KeyStore(
    opts.region,
    opts.accountId,
    opts.stateFile,
    clock ? () => clock.now().getTime() : Date.now,
  );
  for (const seed of opts.keys ?? []) {
    if (store.aliasTarget(seed.alias)) continue;
    const { keySpec, keyUsage } = checkKeySpec(seed.keySpec, seed.keyUsage);
    store.createAlias(seed.alias, store.create(keySpec, keyUsage).keyId);
  }
  store.save();

  const server = serveJson11(opts.region, operationsFor(store));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const keyIdForAlias = (alias: string) => {
    const keyId = store.aliasTarget(alias);
    if (!keyId) throw new Error(`KMS stand-in: no key has the alias ${alias}`);
    return keyId;
  };
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    keyIdForAlias,
    keyArnForAlias: (alias) => store.arn(keyIdForAlias(alias)),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
};
