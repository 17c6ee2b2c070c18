/**
 * The designer registry in its own DynamoDB table (partition key `designerId`, no sort key):
 *   <designerId>   one designer: the Designer fields as attributes
 *   #index         `ids`: a string set of every designer id ever registered
 *
 * The table has no sort key and no index, so nothing can Query it for "all designers", and the
 * request paths do not scan. The index item is that list instead: create adds the id to it
 * BEFORE writing the designer (ADD on a set is idempotent), so the index is always a superset of
 * the designers and list() skips an id whose designer write never happened. Nothing is ever
 * deleted, so the index never shrinks. One item holds ids up to DynamoDB's 400 KB item limit,
 * i.e. thousands of designers: far beyond the tens to hundreds a registry has.
 *
 * The slot counter is a conditional UpdateItem on the designer's own item: atomic on DynamoDB
 * and on the local stand-in alike, with no transaction.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type Designer,
  type DesignerChanges,
  type DesignerRegistry,
  UNKNOWN_COUNTRY,
} from '../domain/designers';
import { ConflictError, NotFoundError } from '../kernel/errors';
import { logger } from '../runtime/logger';
import { isConditionFailure } from './dynamo-errors';

const INDEX_ID = '#index';
/**
 * Reads in flight while listing. list() uses GetItem rather than BatchGetItem because every
 * function's IAM grant on a 'read' table is GetItem and Query only (lib/compute.ts TABLE_READ).
 */
const LIST_CONCURRENCY = 16;

const SLOT_NAMES = { '#active': 'activeJobs', '#capacity': 'capacity', '#enabled': 'enabled' };

/** Only the Designer's own fields leave the adapter, whatever else an item carries. */
const toDesigner = (item: Record<string, unknown> | undefined): Designer | undefined => {
  if (!item || item.designerId === INDEX_ID) return undefined;
  return {
    designerId: String(item.designerId),
    username: String(item.username),
    displayName: String(item.displayName),
    skills: Array.isArray(item.skills) ? item.skills.map(String) : [],
    capacity: Number(item.capacity),
    activeJobs: Number(item.activeJobs ?? 0),
    // Designers written before the country was required read as unknown (ZZ, ISO 3166 user-assigned)
    // until an operator sets it (PATCH /designers/{id}); the record of processing flags them.
    country: typeof item.country === 'string' && item.country !== '' ? item.country : UNKNOWN_COUNTRY,
    enabled: item.enabled === true,
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
  };
};

export class DynamoDesignerRegistry implements DesignerRegistry {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(designerId: string): Promise<Designer | undefined> {
    if (designerId === INDEX_ID) return undefined;
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: { designerId }, ConsistentRead: true }),
    );
    return toDesigner(Item);
  }

  async list(): Promise<Designer[]> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: { designerId: INDEX_ID }, ConsistentRead: true }),
    );
    const ids = [...((Item?.ids as Set<string> | undefined) ?? [])];
    const designers: Designer[] = [];
    for (let i = 0; i < ids.length; i += LIST_CONCURRENCY) {
      const batch = await Promise.all(ids.slice(i, i + LIST_CONCURRENCY).map((id) => this.get(id)));
      for (const d of batch) if (d) designers.push(d);
    }
    return designers.sort((a, b) => a.username.localeCompare(b.username));
  }

  async create(d: Omit<Designer, 'activeJobs' | 'createdAt' | 'updatedAt'>, now: string): Promise<Designer> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { designerId: INDEX_ID },
        UpdateExpression: 'ADD ids :id',
        ExpressionAttributeValues: { ':id': new Set([d.designerId]) },
      }),
    );
    const designer: Designer = {
      designerId: d.designerId,
      username: d.username,
      displayName: d.displayName,
      skills: [...d.skills],
      capacity: d.capacity,
      activeJobs: 0,
      country: d.country,
      enabled: d.enabled,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: designer,
          ConditionExpression: 'attribute_not_exists(designerId)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConflictError(
          `Designer ${d.designerId} is already registered. Change it with PATCH /designers/${d.designerId}.`,
          'DESIGNER_EXISTS',
          { designerId: d.designerId },
          { cause: error },
        );
      }
      throw error;
    }
    return designer;
  }

  async update(designerId: string, changes: DesignerChanges, now: string): Promise<Designer> {
    if (designerId === INDEX_ID) throw new NotFoundError(`No designer ${designerId} in the registry.`);
    const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':updatedAt': now };
    const sets = ['#updatedAt = :updatedAt'];
    Object.entries(changes)
      .filter(([, v]) => v !== undefined)
      .forEach(([k, v], i) => {
        names[`#c${i}`] = k;
        values[`:c${i}`] = v;
        sets.push(`#c${i} = :c${i}`);
      });
    try {
      const { Attributes } = await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { designerId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(designerId)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      const updated = toDesigner(Attributes);
      if (!updated) throw new NotFoundError(`No designer ${designerId} in the registry.`);
      return updated;
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new NotFoundError(`No designer ${designerId} in the registry.`, { cause: error });
      }
      throw error;
    }
  }

  async acquireSlot(designerId: string): Promise<boolean> {
    if (designerId === INDEX_ID) return false;
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { designerId },
          UpdateExpression: 'SET #active = #active + :one',
          // A missing item fails `enabled = :true` too, so no half-made item is ever created.
          ConditionExpression: '#enabled = :true AND #active < #capacity',
          // `capacity` is a DynamoDB reserved word; every name goes through a placeholder alike.
          ExpressionAttributeNames: SLOT_NAMES,
          ExpressionAttributeValues: { ':one': 1, ':true': true },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async releaseSlot(designerId: string): Promise<void> {
    if (designerId === INDEX_ID) return;
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { designerId },
          UpdateExpression: 'SET #active = #active - :one',
          ConditionExpression: '#active > :zero',
          ExpressionAttributeNames: { '#active': 'activeJobs' },
          ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Nothing to give back: a release without a matching acquire is a queue bookkeeping slip
      // worth seeing, but the counter must not go negative, so it is absorbed here.
      logger.warn('designer slot release with no slot held', { designerId });
    }
  }
}
