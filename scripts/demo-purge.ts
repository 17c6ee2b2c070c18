/**
 * The demo's third part: deletion with proof. A lab asks for an archived order's case files to
 * be deleted; they are hidden at once; after the grace period the purge sweep deletes every
 * object and signs a certificate, which anyone verifies offline with the public key (and a
 * tampered copy fails). Then a partner leaves: its account is terminated with one summary, its
 * KMS key is scheduled for deletion, and once the backup window has passed on the clock an
 * encrypted copy of its data kept aside can no longer be decrypted.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { verifyCertificateFile } from '../cli/verify-certificate';
import { ACCOUNT_KEYS, localTableName } from '../common/definitions';
import type { SignedCertificate } from '../lambdas/domain/certificate';
import { phiContext } from '../lambdas/domain/order';
import { S3_CREDENTIALS } from '../local/s3';
import type { DemoOrder } from './demo-lifecycle';
import { call, type Demo, say, step, view } from './demo-support';

export const runPurge = async (demo: Demo, orders: readonly DemoOrder[], first: number): Promise<number> => {
  let n = first;
  say('\n== Part 5: deletion with proof ==');
  let archived: DemoOrder | undefined;
  for (const o of orders.filter((x) => x.lab === 'lab.acme')) {
    if ((await view(demo, o.lab, o.orderId)).status === 'ARCHIVED') {
      archived = o;
      break;
    }
  }
  if (!archived) throw new Error('no archived Acme order to delete');
  const { orderId } = archived;

  step(n++, `Acme asks for the case files of ${orderId} to be deleted`);
  const request = await call<{ purgeAt: string }>(demo, 'lab.acme', 'DELETE', `/orders/${orderId}/files`);
  say(`   -> hidden at once; purge after the 30-day grace period, at ${request.purgeAt}`);
  const hidden = await demo.api.call<{ message: string }>('GET', `/orders/${orderId}/deliverables`, {
    as: 'lab.acme',
  });
  say(`   -> deliverables now: HTTP ${hidden.status} ${hidden.body.message}`);

  step(n++, 'The operator moves the clock 31 days; the purge sweep runs');
  const moved = await call<{ now: string; jobs: { job: string; result?: unknown }[] }>(
    demo,
    'operator.omar',
    'POST',
    '/local/clock/advance',
    { days: 31 },
  );
  const sweep = moved.jobs.find((j) => j.job === 'purgeSweep');
  say(
    `   -> clock now ${moved.now.slice(0, 16).replace('T', ' ')} UTC; purgeSweep: ${JSON.stringify(sweep?.result)}`,
  );

  step(n++, 'Acme fetches its deletion certificate and verifies it offline');
  const signed = await call<SignedCertificate>(demo, 'lab.acme', 'GET', `/orders/${orderId}/certificate`);
  const c = signed.certificate;
  say(
    `   -> ${c.certificateId}: ${c.objects.length} objects deleted at ${c.deletedAt} by ${c.process} (${c.reason})`,
  );
  say(
    `   -> records anonymised: ${c.recordsAnonymised.join(', ')}; no backup can hold them after ${c.backupsClearBy}`,
  );
  const key = await call<{ publicKeyPem: string }>(demo, undefined, 'GET', '/certificates/public-key');
  writeFileSync(join(demo.dir, 'certificate.json'), JSON.stringify(signed, null, 2));
  writeFileSync(join(demo.dir, 'key.pem'), key.publicKeyPem);
  const tampered = structuredClone(signed);
  tampered.certificate.deletedAt = '2020-01-01T00:00:00.000Z';
  writeFileSync(join(demo.dir, 'tampered.json'), JSON.stringify(tampered));
  say(`   $ caseline verify-certificate certificate.json --key key.pem`);
  say(
    `   ${(await verifyCertificateFile(join(demo.dir, 'certificate.json'), join(demo.dir, 'key.pem'))).message}`,
  );
  say(`   $ caseline verify-certificate tampered.json --key key.pem`);
  say(
    `   ${(await verifyCertificateFile(join(demo.dir, 'tampered.json'), join(demo.dir, 'key.pem'))).message}`,
  );

  // What a backup or PITR copy would still hold after the purge: one of Bright's encrypted fields.
  const bright = orders.find((o) => o.lab === 'lab.bright');
  if (!bright) throw new Error('no Bright order');
  const ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: demo.endpoints.dynamodb,
      region: 'us-east-1',
      credentials: { ...S3_CREDENTIALS },
    }),
  );
  const kms = new KMSClient({
    endpoint: demo.endpoints.kms,
    region: 'us-east-1',
    credentials: { ...S3_CREDENTIALS },
  });
  const { Item } = await ddb.send(
    new GetCommand({
      TableName: localTableName('orders'),
      Key: { pk: `ORDER#${bright.orderId}`, sk: 'META' },
    }),
  );
  ddb.destroy();
  const kept = Buffer.from(String(Item?.phi), 'base64');
  const decryptKept = () =>
    kms
      .send(
        new DecryptCommand({
          CiphertextBlob: kept,
          EncryptionContext: phiContext('lab-bright', bright.orderId),
        }),
      )
      .then(
        (out) => `decrypts under ${out.KeyId}`,
        (error: Error) => `refused: ${error.name}`,
      );
  say(
    `   (a copy of order ${bright.orderId}'s encrypted patient fields is kept aside, as a backup would keep it)`,
  );
  say(`   -> today it ${await decryptKept()}`);

  step(n++, 'Bright Smile Lab leaves: the operator terminates its account');
  const summary = await call<SignedCertificate>(
    demo,
    'operator.omar',
    'POST',
    '/accounts/lab-bright/terminate',
  );
  const s = summary.certificate;
  say(
    `   -> ${s.certificateId}: ${plural(s.orderCertificates?.length ?? 0, 'order')} purged, each with its own certificate, listed in one signed summary`,
  );
  say(
    `   -> the account's key ${s.accountKey?.keyId} is scheduled for deletion on ${s.accountKey?.deletionDate}`,
  );
  say(`   -> the copy kept aside: ${await decryptKept()} (the key is pending deletion)`);
  writeFileSync(join(demo.dir, 'summary.json'), JSON.stringify(summary, null, 2));
  say(`   $ caseline verify-certificate summary.json --key key.pem`);
  say(
    `   ${(await verifyCertificateFile(join(demo.dir, 'summary.json'), join(demo.dir, 'key.pem'))).message}`,
  );

  step(
    n++,
    `The operator moves the clock ${ACCOUNT_KEYS.pendingWindowDays + 1} days: the backup window ends, KMS deletes the key`,
  );
  await call(demo, 'operator.omar', 'POST', '/local/clock/advance', {
    days: ACCOUNT_KEYS.pendingWindowDays + 1,
  });
  say(`   -> the copy kept aside: ${await decryptKept()}: no backup of Bright's data can be read any more`);
  kms.destroy();
  return n;
};

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
