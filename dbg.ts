import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { startLocalStack } from './local/stack';
import { Api } from './test/support/api';
import { queuedOrder } from './test/support/lifecycle';

process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
const s = await startLocalStack({ port: 0 });
const api = new Api(s.apiUrl);
const { orderId } = await queuedOrder(api);
await new Promise((r) => setTimeout(r, 1000));
const c = await api.call('POST', '/queue/claim', { as: 'designer.priya' });
console.log('claim', c.status, JSON.stringify(c.body));
const sfn = new SFNClient({
  endpoint: s.endpoints.sfn,
  region: 'us-east-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const arn = `arn:aws:states:us-east-1:000000000000:execution:caseline-order-workflow:${orderId}-intake`;
console.log(
  JSON.stringify(await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).slice(0, 600),
);
const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn }));
console.log(h.events?.map((e) => e.type).join(' '));
await s.stop();
