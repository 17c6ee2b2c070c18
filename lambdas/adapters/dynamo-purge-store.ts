/**
 * What a purge writes besides deleting objects, in the orders table:
 *   ORDER#<id> / PURGE_MANIFEST         what was under the prefix, written once before deleting
 *   ORDER#<id> / PURGE_MANIFEST#FILES   the same for a lab's files-only deletion
 *   ORDER#<id> / CERTIFICATE            the signed deletion certificate (kept after the purge)
 *   ORDER#<id> / CERTIFICATE#FILES      the certificate of a files-only deletion
 *   ACCOUNT#<id> / CERTIFICATE#<id>     an account-termination summary certificate
 * and the anonymisation of the order record (the tombstone keeps ids, dates, prescription
 * types and sizes for statistics; never a patient reference, note, file name or case number).
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SignedCertificate } from '../domain/certificate';
import type { PurgedObject, PurgeStore } from '../domain/purge';
import { isConditionFailure } from './dynamo-errors';

export class DynamoPurgeStore implements PurgeStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async saveManifest(
    orderId: string,
    objects: readonly PurgedObject[],
    scope: 'files' | 'order' = 'order',
  ): Promise<readonly PurgedObject[]> {
    const Key = { pk: `ORDER#${orderId}`, sk: scope === 'files' ? 'PURGE_MANIFEST#FILES' : 'PURGE_MANIFEST' };
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...Key, entity: 'purgeManifest', objects },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return objects;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = await this.ddb.send(
        new GetCommand({ TableName: this.table, Key, ConsistentRead: true }),
      );
      return (Item?.objects as PurgedObject[] | undefined) ?? objects;
    }
  }

  async anonymise(orderId: string, scope: 'files' | 'order'): Promise<string[]> {
    const { Items = [] } = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
        ExpressionAttributeValues: { ':pk': `ORDER#${orderId}`, ':f': 'FILE#' },
        ConsistentRead: true,
      }),
    );
    for (const file of Items) {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: file.pk, sk: file.sk },
          UpdateExpression: 'REMOVE nameCipher, gsi2pk, gsi2sk, parts SET anonymised = :t',
          ExpressionAttributeValues: { ':t': true },
        }),
      );
    }
    if (scope === 'files') return ['fileNames'];
    const { Item: order } = await this.ddb.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: `ORDER#${orderId}`, sk: 'META' },
        ConsistentRead: true,
      }),
    );
    // The guard's key: the keyed hash of the case reference (the clear reference on legacy orders).
    const guardKey = order?.caseRefMac ?? order?.caseRef;
    if (guardKey && order?.accountId) {
      // The case-number guard of an order purged while still open (account termination).
      await this.ddb
        .send(
          new DeleteCommand({
            TableName: this.table,
            Key: { pk: `CASEREF#${order.accountId}#${guardKey}`, sk: 'GUARD' },
            ConditionExpression: 'orderId = :o',
            ExpressionAttributeValues: { ':o': orderId },
          }),
        )
        .catch((error: unknown) => {
          if (!isConditionFailure(error)) throw error;
        });
    }
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `ORDER#${orderId}`, sk: 'META' },
        UpdateExpression:
          'REMOVE phi, caseRef, caseRefMac, designTaskToken, decisionTaskToken, qaProblems, lastDesigner, offerTo, offerExpiresAt SET anonymised = :t',
        ExpressionAttributeValues: { ':t': true },
      }),
    );
    return ['patientRef', 'notes', 'itemNotes', 'revisionComments', 'caseRef', 'fileNames'];
  }

  async saveCertificate(
    owner: { orderId: string; scope?: 'files' | 'order' } | { accountId: string },
    signed: SignedCertificate,
  ): Promise<void> {
    const Key =
      'orderId' in owner
        ? { pk: `ORDER#${owner.orderId}`, sk: owner.scope === 'files' ? 'CERTIFICATE#FILES' : 'CERTIFICATE' }
        : { pk: `ACCOUNT#${owner.accountId}`, sk: `CERTIFICATE#${signed.certificate.certificateId}` };
    await this.ddb.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...Key, entity: 'certificate', signed: JSON.stringify(signed) },
      }),
    );
  }

  private async certificate(pk: string, sk: string): Promise<SignedCertificate | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: { pk, sk }, ConsistentRead: true }),
    );
    return typeof Item?.signed === 'string' ? (JSON.parse(Item.signed) as SignedCertificate) : undefined;
  }

  async orderCertificate(orderId: string): Promise<SignedCertificate | undefined> {
    return (
      (await this.certificate(`ORDER#${orderId}`, 'CERTIFICATE')) ??
      (await this.certificate(`ORDER#${orderId}`, 'CERTIFICATE#FILES'))
    );
  }

  accountCertificate(accountId: string, certificateId: string): Promise<SignedCertificate | undefined> {
    return this.certificate(`ACCOUNT#${accountId}`, `CERTIFICATE#${certificateId}`);
  }
}
