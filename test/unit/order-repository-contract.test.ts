/**
 * The in-memory OrderRepository the unit tests use, held to the same contract as the DynamoDB
 * adapter (test/integration/order-repository-contract.test.ts runs the same suite on it).
 */
import { describe } from 'vitest';
import { MemoryOrders } from '../support/fakes';
import { orderRepositoryContract } from '../support/order-repository-contract';

describe('OrderRepository contract: MemoryOrders (test/support/fakes.ts)', () => {
  orderRepositoryContract(async () => new MemoryOrders());
});
