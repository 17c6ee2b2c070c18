/**
 * The breach detector's own state, in the audit sequence table beside the counter and the sealer:
 *   DETECTOR                 { through, holes, failures, failuresFired, leaseRun, leaseUntil }
 *   DETECT#<rule>#<sub>      { entries, firedUntil, removedAt, expiresAt }   per-actor windows (TTL)
 *   SEQUENCE                 { next, failed }   read for `failed`, the audit appends that failed
 * Gets and single-item writes only: never a Scan.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DETECTOR_KEY, SEQUENCE_KEY } from '../../common/definitions';
import type { ActorWindow, DetectorPosition, DetectorStore } from '../domain/detection/detect';
import type { DetectionRule } from '../domain/detection/thresholds';
import { isConditionFailure } from './dynamo-errors';

const windowKey = (rule: DetectionRule, sub: string) => ({ pk: `DETECT#${rule}#${sub}` });

const pairs = (v: unknown): [number, number][] =>
  Array.isArray(v)
    ? v.filter(
        (p): p is [number, number] =>
          Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number',
      )
    : [];

export class DynamoDetectorStore implements DetectorStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly sequenceTable: string,
  ) {}

  async takeLease(runId: string, now: Date, until: Date): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.sequenceTable,
          Key: { pk: DETECTOR_KEY },
          UpdateExpression: 'SET leaseRun = :run, leaseUntil = :until',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
          ExpressionAttributeValues: {
            ':run': runId,
            ':until': until.toISOString(),
            ':now': now.toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async position(): Promise<DetectorPosition> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.sequenceTable, Key: { pk: DETECTOR_KEY }, ConsistentRead: true }),
    );
    return {
      through: typeof Item?.through === 'number' ? Item.through : 0,
      holes: pairs(Item?.holes),
      failures: pairs(Item?.failures),
      ...(typeof Item?.failuresFired === 'number' ? { failuresFired: Item.failuresFired } : {}),
    };
  }

  async commit(runId: string, next: DetectorPosition): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.sequenceTable,
          Key: { pk: DETECTOR_KEY },
          UpdateExpression: `SET through = :through, holes = :holes, failures = :failures${
            next.failuresFired !== undefined ? ', failuresFired = :fired' : ''
          } REMOVE leaseRun, leaseUntil`,
          ConditionExpression: 'leaseRun = :run',
          ExpressionAttributeValues: {
            ':through': next.through,
            ':holes': next.holes,
            ':failures': next.failures,
            ':run': runId,
            ...(next.failuresFired !== undefined ? { ':fired': next.failuresFired } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async failedAppends(): Promise<number> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.sequenceTable, Key: { pk: SEQUENCE_KEY }, ConsistentRead: true }),
    );
    return typeof Item?.failed === 'number' ? Item.failed : 0;
  }

  async window(rule: DetectionRule, sub: string): Promise<ActorWindow | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.sequenceTable, Key: windowKey(rule, sub) }),
    );
    if (!Item) return undefined;
    const entries = Array.isArray(Item.entries)
      ? (Item.entries as unknown[]).filter(
          (e): e is [number, number, string] =>
            Array.isArray(e) &&
            typeof e[0] === 'number' &&
            typeof e[1] === 'number' &&
            typeof e[2] === 'string',
        )
      : [];
    return {
      entries,
      ...(typeof Item.firedUntil === 'number' ? { firedUntil: Item.firedUntil } : {}),
      ...(typeof Item.removedAt === 'number' ? { removedAt: Item.removedAt } : {}),
    };
  }

  async saveWindow(rule: DetectionRule, sub: string, window: ActorWindow, expiresAt: number): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.sequenceTable,
        Item: {
          ...windowKey(rule, sub),
          entries: window.entries,
          ...(window.firedUntil !== undefined ? { firedUntil: window.firedUntil } : {}),
          ...(window.removedAt !== undefined ? { removedAt: window.removedAt } : {}),
          expiresAt,
        },
      }),
    );
  }
}
