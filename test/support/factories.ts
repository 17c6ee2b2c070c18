/**
 * Request fixtures with synthetic data only: a made-up case number, a pseudonymous patient code,
 * clinical notes with no identifiers. Override what a test is about; keep the rest valid.
 * To send something the type forbids, spread it in: `{ ...makeCreateOrderRequest(), caseRef: 42 }`.
 */
import type { CreateOrderRequest, OrderItemRequest } from '../../lambdas/domain/order-input';

export function makeOrderItemRequest(overrides: Partial<OrderItemRequest> = {}): OrderItemRequest {
  return {
    type: 'crown',
    teeth: [36],
    material: 'zirconia',
    shade: 'A2',
    ...overrides,
  };
}

export function makeCreateOrderRequest(overrides: Partial<CreateOrderRequest> = {}): CreateOrderRequest {
  return {
    caseRef: 'LAB-0173',
    patientRef: 'PT-00123',
    items: [makeOrderItemRequest()],
    toothNumbering: 'FDI',
    turnaround: 'standard',
    notes: 'Light occlusion, open contacts slightly.',
    ...overrides,
  };
}
