/**
 * The response-contract check the integration tests run on real responses
 * (test/support/openapi-contract.ts): it names a field the document does not describe, a required
 * field missing and a value of the wrong type, and passes a body the document describes in full.
 */
import { describe, expect, it } from 'vitest';
import { undescribedFields } from '../support/openapi-contract';

const summary = {
  incidentId: 'inc_1',
  status: 'SCOPED',
  discoveredAt: '2026-01-05T08:55:00.000Z',
  kinds: ['report'],
  signalCount: 1,
  affectedAccounts: 1,
  unsentNotices: 1,
  nextDueAt: '2026-01-06T08:55:00.000Z',
  nextDueAccountId: 'lab-acme',
  msLeft: 3_600_000,
};

describe('undescribedFields', () => {
  it('passes a list the document describes, with its deadlines', () => {
    expect(undescribedFields('GET /incidents', 200, { incidents: [summary] })).toEqual([]);
  });

  it('names an undescribed field, a missing required one and a wrong type, by path', () => {
    // Act
    const { kinds: _kinds, ...withoutKinds } = summary;
    const found = undescribedFields('GET /incidents', 200, {
      incidents: [{ ...withoutKinds, secret: 'x', signalCount: 'one' }],
      extra: true,
    });
    // Assess
    expect(found.sort()).toEqual(
      [
        '$.extra: not described',
        '$.incidents[0].secret: not described',
        '$.incidents[0].signalCount: string, described as "integer"',
        '$.incidents[0].kinds: required, absent',
      ].sort(),
    );
  });

  it('finds a field nested in an array of objects, and says when a route has no schema', () => {
    // Act
    const found = undescribedFields('GET /incidents/register', 200, {
      retention: '6 years',
      incidents: [{ ...summary, reasons: { natureAndExtent: 'a', unknownFactor: 'b' } }],
    });
    // Assess
    expect(found).toContain('$.incidents[0].reasons.unknownFactor: not described');
    expect(found).toContain('$.incidents[0].signalCount: not described');
    expect(undescribedFields('GET /no-such-route', 200, {})).toEqual([
      'GET /no-such-route 200: no schema in docs/openapi.json',
    ]);
  });
});
