/**
 * Notification stand-in: a server speaking the SNS Query protocol's Publish, so handlers publish
 * with the real SNSClient, exactly as on AWS; every message lands in an outbox that tests, the
 * CLI and the demo read back (GET /local/outbox on the HTTP API). Kept in memory, and appended
 * to .data/outbox.jsonl when the stack persists.
 */

import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../lambdas/kernel/clock';

export interface OutboxMessage {
  readonly messageId: string;
  readonly topicArn: string;
  readonly topic: string;
  readonly subject?: string;
  readonly message: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** On the local stack's (adjustable) clock. */
  readonly at: string;
}

export interface Outbox {
  readonly endpoint: string;
  messages(filter?: { topic?: string; since?: string }): OutboxMessage[];
  close(): Promise<void>;
}

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

const errorXml = (code: string, message: string) =>
  `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;

export const startOutbox = async (opts: {
  host: string;
  port: number;
  region: string;
  accountId: string;
  topics: readonly string[];
  clock: Clock;
  file?: string;
}): Promise<Outbox> => {
  const topicArns = new Map(opts.topics.map((t) => [`arn:aws:sns:${opts.region}:${opts.accountId}:${t}`, t]));
  const store: OutboxMessage[] =
    opts.file && existsSync(opts.file)
      ? readFileSync(opts.file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as OutboxMessage)
      : [];

  const server = createServer((req, res) => {
    void (async () => {
      const params = new URLSearchParams(await readBody(req));
      const send = (status: number, xml: string) => {
        res.writeHead(status, { 'content-type': 'text/xml' });
        res.end(xml);
      };
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) {
        send(403, errorXml('MissingAuthenticationToken', 'Request is missing Authentication Token'));
        return;
      }
      if (params.get('Action') !== 'Publish') {
        send(
          400,
          errorXml('InvalidAction', `The local outbox supports Publish only, not ${params.get('Action')}`),
        );
        return;
      }
      const topicArn = params.get('TopicArn') ?? '';
      const topic = topicArns.get(topicArn);
      if (!topic) {
        send(404, errorXml('NotFound', 'Topic does not exist'));
        return;
      }
      const message = params.get('Message');
      if (!message) {
        send(400, errorXml('InvalidParameter', 'Invalid parameter: Message'));
        return;
      }
      const attributes: Record<string, string> = {};
      for (let i = 1; params.has(`MessageAttributes.entry.${i}.Name`); i++) {
        attributes[params.get(`MessageAttributes.entry.${i}.Name`) ?? ''] =
          params.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? '';
      }
      const subject = params.get('Subject');
      const entry: OutboxMessage = {
        messageId: randomUUID(),
        topicArn,
        topic,
        ...(subject ? { subject } : {}),
        message,
        attributes,
        at: opts.clock.now().toISOString(),
      };
      store.push(entry);
      if (opts.file) appendFileSync(opts.file, `${JSON.stringify(entry)}\n`);
      send(
        200,
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${entry.messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${opts.host}:${port}`,
    messages: (filter = {}) =>
      store.filter(
        (m) => (!filter.topic || m.topic === filter.topic) && (!filter.since || m.at >= filter.since),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
