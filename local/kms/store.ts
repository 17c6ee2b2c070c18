/**
 * Keys and aliases of the KMS stand-in, optionally persisted to a JSON file so that ciphertexts
 * kept in a local data directory still decrypt after a restart. The file holds private key
 * material: it is written 0600 and only ever holds throwaway local test keys.
 */
import { createPrivateKey, createPublicKey, type KeyObject, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateKeyMaterial, type KeySpec, type KeyUsage } from './crypto';
import { KmsError, validation } from './protocol';

export interface StoredKey {
  keyId: string;
  keySpec: KeySpec;
  keyUsage: KeyUsage;
  /** Epoch seconds, the unit the JSON protocol uses for timestamps. */
  created: number;
  description: string;
  rotation: boolean;
  /** Base64: raw AES or HMAC secret (symmetric) or PKCS#8 DER (asymmetric). */
  material: string;
  /** Absent on keys saved before key states existed: Enabled. */
  state?: 'Enabled' | 'Disabled' | 'PendingDeletion';
  /** Epoch seconds; set while PendingDeletion. */
  deletionDate?: number;
  /** Tags given to CreateKey or TagResource. */
  tags?: Record<string, string>;
  /** The key policy document as given (JSON text); absent: KMS's default policy. */
  policy?: string;
}

interface State {
  keys: Record<string, StoredKey>;
  aliases: Record<string, string>;
  /** Ids of keys deleted at the end of their window (absent in files saved before deletion existed). */
  deleted?: string[];
}

const KEY_SPECS: readonly string[] = ['SYMMETRIC_DEFAULT', 'ECC_NIST_P256', 'RSA_2048', 'HMAC_256'];
// Every spec KMS knows, so an unknown value is a ValidationException and a known one we lack is
// UnsupportedOperationException, the way KMS answers specs a region does not offer.
const KMS_KEY_SPECS: readonly string[] = [
  ...KEY_SPECS,
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'ECC_NIST_EDWARDS25519',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
  'SM2',
  'ML_DSA_44',
  'ML_DSA_65',
  'ML_DSA_87',
];
const KMS_KEY_USAGES: readonly string[] = [
  'ENCRYPT_DECRYPT',
  'SIGN_VERIFY',
  'GENERATE_VERIFY_MAC',
  'KEY_AGREEMENT',
];
const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks a CreateKey request's spec and usage the way KMS does; returns them typed. */
export const checkKeySpec = (keySpec: string, keyUsage: string): { keySpec: KeySpec; keyUsage: KeyUsage } => {
  if (!KMS_KEY_SPECS.includes(keySpec)) {
    throw validation('keySpec', `must satisfy enum value set: [${KMS_KEY_SPECS.join(', ')}]`, keySpec);
  }
  if (!KMS_KEY_USAGES.includes(keyUsage)) {
    throw validation('keyUsage', `must satisfy enum value set: [${KMS_KEY_USAGES.join(', ')}]`, keyUsage);
  }
  if (!KEY_SPECS.includes(keySpec) || (keySpec === 'RSA_2048' && keyUsage === 'ENCRYPT_DECRYPT')) {
    throw new KmsError(
      'UnsupportedOperationException',
      `The local KMS stand-in supports SYMMETRIC_DEFAULT (ENCRYPT_DECRYPT), ECC_NIST_P256 and RSA_2048 (SIGN_VERIFY) and HMAC_256 (GENERATE_VERIFY_MAC), not ${keySpec} with ${keyUsage}.`,
    );
  }
  const valid =
    keySpec === 'SYMMETRIC_DEFAULT'
      ? keyUsage === 'ENCRYPT_DECRYPT'
      : keySpec === 'HMAC_256'
        ? keyUsage === 'GENERATE_VERIFY_MAC'
        : keyUsage === 'SIGN_VERIFY';
  if (!valid) {
    throw new KmsError(
      'ValidationException',
      `KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`,
    );
  }
  return { keySpec: keySpec as KeySpec, keyUsage: keyUsage as KeyUsage };
};

export class KeyStore {
  private readonly state: State;
  private readonly privateKeys = new Map<string, KeyObject>();

  constructor(
    readonly region: string,
    readonly accountId: string,
    private readonly file?: string,
    /** Epoch milliseconds now: the local stack's adjustable clock, so a pending deletion ends on it. */
    private readonly now: () => number = Date.now,
  ) {
    this.state = file && existsSync(file) ? KeyStore.load(file) : { keys: {}, aliases: {} };
  }

  private static load(file: string): State {
    try {
      const state = JSON.parse(readFileSync(file, 'utf8')) as State;
      if (typeof state.keys !== 'object' || typeof state.aliases !== 'object') throw new Error('bad shape');
      return state;
    } catch {
      // The file's content stays out of the message: it is key material.
      throw new Error(`KMS stand-in: ${file} is not a key state file; move it away to start afresh`);
    }
  }

  /** Written to a temporary file and renamed, so a crash never leaves half a key file. */
  save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state), { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  arn(keyId: string): string {
    return `arn:aws:kms:${this.region}:${this.accountId}:key/${keyId}`;
  }

  aliasArn(alias: string): string {
    return `arn:aws:kms:${this.region}:${this.accountId}:${alias}`;
  }

  /** Epoch seconds on the store's clock. */
  seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /**
   * Keys whose deletion window has passed are gone, with their aliases, as KMS deletes them: from
   * then on a ciphertext naming one cannot be decrypted, and its id and aliases are unknown. Run
   * before every request, so the window ends on the store's clock, not on a timer.
   */
  deleteExpired(): boolean {
    const now = this.seconds();
    let deleted = false;
    for (const [keyId, key] of Object.entries(this.state.keys)) {
      if (key.state !== 'PendingDeletion' || key.deletionDate === undefined || key.deletionDate > now)
        continue;
      delete this.state.keys[keyId];
      this.privateKeys.delete(keyId);
      this.state.deleted = [...(this.state.deleted ?? []), keyId];
      for (const [alias, target] of Object.entries(this.state.aliases)) {
        if (target === keyId) delete this.state.aliases[alias];
      }
      deleted = true;
    }
    if (deleted) this.save();
    return deleted;
  }

  create(keySpec: KeySpec, keyUsage: KeyUsage, description = ''): StoredKey {
    const key: StoredKey = {
      keyId: randomUUID(),
      keySpec,
      keyUsage,
      created: this.seconds(),
      description,
      rotation: false,
      material: generateKeyMaterial(keySpec),
    };
    this.state.keys[key.keyId] = key;
    return key;
  }

  aliasTarget(alias: string): string | undefined {
    return this.state.aliases[alias];
  }

  aliases(): [alias: string, keyId: string][] {
    return Object.entries(this.state.aliases);
  }

  createAlias(alias: string, targetKeyId: string): void {
    if (!ALIAS_NAME.test(alias)) {
      throw validation(
        'aliasName',
        'must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$',
        alias,
      );
    }
    if (alias.startsWith('alias/aws/')) {
      throw new KmsError(
        'NotAuthorizedException',
        'Aliases that begin with alias/aws/ are reserved for AWS.',
      );
    }
    if (this.state.aliases[alias]) {
      throw new KmsError(
        'AlreadyExistsException',
        `An alias with the name ${this.aliasArn(alias)} already exists`,
      );
    }
    if (/^(arn:[^:]+:kms:[^:]*:[^:]*:)?alias\//.test(targetKeyId)) {
      throw new KmsError('ValidationException', 'Aliases must refer to keys. Not aliases');
    }
    this.state.aliases[alias] = this.resolve(targetKeyId).keyId;
  }

  /**
   * A key from any identifier KMS accepts: key id, key ARN, alias name, alias ARN. ARNs must name
   * this region and account, as a regional KMS endpoint only knows its own keys.
   */
  resolve(id: string): StoredKey {
    const arn = /^arn:aws:kms:([^:]*):([^:]*):(.*)$/.exec(id);
    if (arn && (arn[1] !== this.region || arn[2] !== this.accountId)) {
      throw new KmsError('NotFoundException', `Invalid arn ${id}: not in ${this.region}/${this.accountId}`);
    }
    const resource = arn ? (arn[3] ?? '') : id;
    if (resource.startsWith('alias/')) {
      const keyId = this.state.aliases[resource];
      if (!keyId) throw new KmsError('NotFoundException', `Alias ${this.aliasArn(resource)} is not found.`);
      return this.byId(keyId);
    }
    const keyId = arn ? resource.replace(/^key\//, '') : resource;
    if ((arn && !resource.startsWith('key/')) || !KEY_ID.test(keyId)) {
      throw new KmsError('NotFoundException', `Invalid keyId ${id}`);
    }
    return this.byId(keyId.toLowerCase());
  }

  /** True for a key that existed and was deleted at the end of its deletion window. */
  wasDeleted(keyId: string): boolean {
    return this.state.deleted?.includes(keyId) ?? false;
  }

  /** The key a ciphertext names; undefined if there is none (the blob is then not ours). */
  find(keyId: string): StoredKey | undefined {
    return Object.hasOwn(this.state.keys, keyId) ? this.state.keys[keyId] : undefined;
  }

  private byId(keyId: string): StoredKey {
    const key = this.find(keyId);
    if (!key) throw new KmsError('NotFoundException', `Key '${this.arn(keyId)}' does not exist`);
    return key;
  }

  privateKey(key: StoredKey): KeyObject {
    let object = this.privateKeys.get(key.keyId);
    if (!object) {
      object = createPrivateKey({ key: Buffer.from(key.material, 'base64'), format: 'der', type: 'pkcs8' });
      this.privateKeys.set(key.keyId, object);
    }
    return object;
  }

  publicKey(key: StoredKey): KeyObject {
    return createPublicKey(this.privateKey(key));
  }
}
