/**
 * The production wiring of the domain's ports: one adapter per SDK client, built once per
 * process (a handler's module scope). Tests wire in-memory fakes instead.
 */
import { randomBytes } from 'node:crypto';
import { DynamoAccountPolicies } from '../adapters/dynamo-account-policies';
import { DynamoAuditLog } from '../adapters/dynamo-audit-log';
import { DynamoDesignerRegistry } from '../adapters/dynamo-designer-registry';
import { DynamoOrderRepository } from '../adapters/dynamo-order-repository';
import { DynamoPurgeStore } from '../adapters/dynamo-purge-store';
import { KmsCertificateSigner } from '../adapters/kms-certificate-signer';
import { KmsKeyedHasher } from '../adapters/kms-keyed-hasher';
import { KmsPhiCipher } from '../adapters/kms-phi-cipher';
import { S3FileStore } from '../adapters/s3-file-store';
import { S3Purger } from '../adapters/s3-purger';
import { SfnWorkflow } from '../adapters/sfn-workflow';
import { SnsNotifier } from '../adapters/sns-notifier';
import type { DesignDeps } from '../domain/design';
import type { Deps, IdGenerator } from '../domain/ports';
import type { PurgeDeps } from '../domain/purge';
import { clients } from './clients';
import { clockFor } from './clock';
import { config } from './config';

/** Time-ordered, unguessable ids: <prefix>_<12 hex of ms><16 hex random>. */
export const randomIds: IdGenerator = {
  next: (prefix) => `${prefix}_${Date.now().toString(16).padStart(12, '0')}${randomBytes(8).toString('hex')}`,
};

let deps: Deps | undefined;

export const productionDeps = (): Deps => {
  if (deps) return deps;
  const cfg = config();
  const c = clients();
  const clock = clockFor(cfg.clockAdjustable);
  deps = Object.freeze({
    orders: new DynamoOrderRepository(c.ddb, cfg.tables.orders),
    accounts: new DynamoAccountPolicies(c.ddb, cfg.tables.orders),
    audit: new DynamoAuditLog(c.ddb, cfg.tables.audit),
    phi: new KmsPhiCipher(c.kms, cfg.keys.caseData),
    hasher: new KmsKeyedHasher(c.kms, cfg.keys.caseRefMac),
    files: new S3FileStore(c.s3, cfg.buckets.caseFiles, cfg.keys.caseData, clock),
    workflow: new SfnWorkflow(c.sfn, cfg.stateMachines.orderWorkflow),
    notifier: new SnsNotifier(c.sns, cfg.topics),
    clock,
    ids: randomIds,
  });
  return deps;
};

let design: DesignDeps | undefined;

/** The order workflow's second half also needs the designer registry and account policies. */
export const designDeps = (): DesignDeps => {
  if (design) return design;
  const c = clients();
  const cfg = config();
  design = Object.freeze({
    ...productionDeps(),
    designers: new DynamoDesignerRegistry(c.ddb, cfg.tables.designers),
    policies: new DynamoAccountPolicies(c.ddb, cfg.tables.orders),
  });
  return design;
};

let purge: PurgeDeps | undefined;

/** Purges also delete object versions and sign certificates. */
export const purgeDeps = (): PurgeDeps => {
  if (purge) return purge;
  const c = clients();
  const cfg = config();
  purge = Object.freeze({
    ...designDeps(),
    purger: new S3Purger(c.s3, cfg.buckets.caseFiles),
    purgeStore: new DynamoPurgeStore(c.ddb, cfg.tables.orders),
    signer: new KmsCertificateSigner(c.kms, cfg.keys.certificateSigning),
  });
  return purge;
};
