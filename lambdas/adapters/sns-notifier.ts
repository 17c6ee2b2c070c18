/**
 * Notifications over SNS (the outbox on the local stack). Messages carry ids, kinds and links,
 * never PHI: whoever receives one signs in to see the order.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../domain/ports';

export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topics: { readonly operatorAlerts: string; readonly notifications: string },
  ) {}

  async operatorAlert(subject: string, facts: Readonly<Record<string, string>>): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topics.operatorAlerts,
        Subject: subject.slice(0, 100),
        Message: JSON.stringify({ kind: 'operator.alert', subject, ...facts }),
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'operator.alert' } },
      }),
    );
  }

  async notify(kind: string, facts: Readonly<Record<string, string>>): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topics.notifications,
        Message: JSON.stringify({ kind, ...facts }),
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: kind },
          ...(facts.accountId ? { accountId: { DataType: 'String', StringValue: facts.accountId } } : {}),
        },
      }),
    );
  }
}
