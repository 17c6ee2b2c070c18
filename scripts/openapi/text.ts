/**
 * The human half of docs/openapi.json: what each route does, what each answer means, notes on
 * fields. The typed half comes from the schemas (lambdas/domain/schemas/, order-input.ts) and the
 * route catalogue (lib/functions.ts); scripts/openapi/build.ts joins them.
 */

export interface ParameterText {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly required: boolean;
  readonly schema: Readonly<Record<string, unknown>>;
  readonly description?: string;
}

export interface OperationText {
  readonly summary: string;
  readonly description?: string;
  /** What each status code means here; 4xx/5xx answers but 401 carry the Error body. */
  readonly responses: Readonly<Record<string, string>>;
  readonly parameters?: readonly ParameterText[];
  /** Notes on request body fields, by path (`items.teeth`: a field of each item). */
  readonly fields?: Readonly<Record<string, string>>;
}

export const DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Caseline API',
    version: '0.1.0',
    description:
      "Order intake for dental labs. Every route but /health needs a Cognito access token (15 minutes). Every read of PHI is audited first and fails closed. Bounded input, on every route: a body over 10 MB is refused by the API (413), a body over 128 KB by the route (413, PAYLOAD_TOO_LARGE with maxBytes); a body not sent as application/json (or application/*+json) is refused with 415 (UNSUPPORTED_MEDIA_TYPE); a path id that is not 1 to 64 letters, digits, '_' or '-' (accountId: 2 to 63 lower-case letters, digits and '-') is refused with 400 naming the parameter, before any lookup; a list cursor that is not the nextCursor given to the same account is refused with 400 on cursor.",
  },
  servers: [{ url: 'http://127.0.0.1:4000', description: 'the local stack' }],
  security: [{ cognito: [] }],
} as const;

export const SECURITY_SCHEMES = { cognito: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } };

export const OPERATIONS: Readonly<Record<string, OperationText>> = {
  'GET /health': { summary: 'Liveness', responses: { '200': 'The service answers.' } },
  'POST /orders': {
    summary: 'Create a draft order',
    responses: {
      '201': 'The draft order.',
      '400': 'A field is wrong: each is named, with how to fix it.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this.',
      '409':
        "DUPLICATE_CASE_REF: the case reference is open in another order (existingOrderId names it; send remake: true to confirm). CASE_REF_PENDING: another create of the same case is in flight; list your orders, then retry. ACCOUNT_TERMINATED: the lab's account is being or was terminated (also when the termination was recorded while this order was being written: that order is cancelled and purged, never returned).",
      '413': "PAYLOAD_TOO_LARGE: the body is over the route's cap (maxBytes), or over the API's 10 MB.",
      '415': 'UNSUPPORTED_MEDIA_TYPE: send the body as JSON with content-type: application/json.',
      '503': 'The audit record could not be written, so the read did not happen. Retry.',
    },
    fields: {
      caseRef:
        "The lab's case number. An identifier: stored encrypted with the other PHI, checked for duplicates by a keyed hash.",
      patientRef: 'A pseudonym or initials; never a full name.',
      'items.type':
        'crown, bridge, inlay-onlay, veneer, implant-abutment, implant-crown-bridge, full-arch, denture, splint-night-guard, model',
      'items.teeth': "Tooth numbers in the order's toothNumbering (FDI 11–48, Universal 1–32).",
      'items.shade': 'VITA Classical (A1–D4) or VITA 3D-Master (e.g. 2M2).',
      notes:
        'Clinical instructions; screened for names, dates of birth, phone numbers, e-mails, SSNs, addresses.',
      remake:
        'Confirms on purpose a case reference that is already open (a remake). Files are still checked for duplicates: confirm a repeated scan with remake: true on its declaration.',
    },
  },
  'GET /orders': {
    summary: "List the account's orders, newest first",
    responses: {
      '200': 'A page of orders and nextCursor when there are more.',
      '400': 'A field is wrong: each is named, with how to fix it.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this.',
      '503': 'The audit record could not be written, so the read did not happen. Retry.',
    },
    parameters: [
      {
        name: 'status',
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: 'Only orders in this status.',
      },
      {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'integer' },
        description: '1–100, default 25.',
      },
      {
        name: 'cursor',
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: 'nextCursor from the previous page.',
      },
    ],
  },
  'GET /orders/{orderId}': {
    summary: 'Read an order: status, timeline, files and their checks',
    responses: {
      '200':
        "The order. Timeline entries name who acted in `by`: the lab's own users by id, processes by name (ingest, qa, workflow, lease-sweep, auto-accept), designers as designer-1, designer-2… numbered per order, anyone else on Caseline's side as caseline. `purgeAfter` says when the order will be purged (archived, rejected, cancelled or stuck). While a files-only deletion is pending (`filesDeletion`: requestedAt, purgeAt) and after it (`filesPurgedAt`) `files` is empty: no file names are shown.",
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this.',
      '404': "No such order in your account (another account's order answers the same).",
      '503': 'The audit record could not be written, so the read did not happen. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The order id returned by POST /orders.',
      },
    ],
  },
  'DELETE /orders/{orderId}': {
    summary: 'Delete an order',
    description:
      "A DRAFT is cancelled at once and its uploads removed (200). A delivered, accepted or archived order is hidden from everyone at once and purged after the account's grace period (30 days by default), ending with a signed deletion certificate (202); the lab may withdraw the request until then.",
    responses: {
      '200': 'The draft is CANCELLED.',
      '202': 'Deletion requested: scope, requestedAt, purgeAt.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this.',
      '404': 'No such order in your account.',
      '409':
        "IN_PROGRESS: the workflow holds the order (SUBMITTED, QUEUED, ASSIGNED, QA). DECISION_PENDING: a delivered design waits for the lab's decision: accept or ask for a revision first (a deletion request never decides a design). ALREADY_PURGED: see the certificate.",
      '503': 'The audit record could not be written. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The order id.',
      },
    ],
  },
  'POST /orders/{orderId}/uploads': {
    summary: 'Declare a scan and get a presigned upload',
    responses: {
      '201': 'A single presigned PUT (with the headers to send) or multipart instructions.',
      '400': 'A field is wrong: each is named, with how to fix it.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this.',
      '404': "No such order in your account (another account's order answers the same).",
      '409': "Conflicts with the order's state, or a duplicate case or file (names the existing order).",
      '503': 'The audit record could not be written, so the read did not happen. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The order id returned by POST /orders.',
      },
    ],
    fields: {
      name: 'File name ending .stl, .ply or .obj.',
      remake: 'Confirms sending a file already present in another open order.',
    },
  },
  'POST /orders/{orderId}/uploads/{fileId}/parts': {
    summary: 'Next batch of part URLs (signed now); record finished parts',
    responses: {
      '200': 'Part URLs and the parts already recorded.',
      '400': 'A field is wrong: each is named, with how to fix it.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this.',
      '404': "No such order in your account (another account's order answers the same).",
      '409': "Conflicts with the order's state, or a duplicate case or file (names the existing order).",
      '503': 'The audit record could not be written, so the read did not happen. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The order id returned by POST /orders.',
      },
      {
        name: 'fileId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The file id returned by POST /orders/{orderId}/uploads.',
      },
    ],
  },
  'POST /orders/{orderId}/uploads/{fileId}/complete': {
    summary: 'Finish an upload',
    responses: {
      '200': 'The file arrived with its declared size.',
      '400': 'A field is wrong: each is named, with how to fix it.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this.',
      '404': "No such order in your account (another account's order answers the same).",
      '409': "Conflicts with the order's state, or a duplicate case or file (names the existing order).",
      '503': 'The audit record could not be written, so the read did not happen. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The order id returned by POST /orders.',
      },
      {
        name: 'fileId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The file id returned by POST /orders/{orderId}/uploads.',
      },
    ],
  },
  'POST /orders/{orderId}/submit': {
    summary: 'Submit the order: starts exactly one workflow execution',
    responses: {
      '202': 'Submitted; ingest runs next (QUEUED or REJECTED).',
      '400': 'A field is wrong: each is named, with how to fix it.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this.',
      '404': "No such order in your account (another account's order answers the same).",
      '409': "Conflicts with the order's state, or a duplicate case or file (names the existing order).",
      '503': 'The audit record could not be written, so the read did not happen. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The order id returned by POST /orders.',
      },
    ],
  },
  'GET /orders/{orderId}/deliverables': {
    summary: 'Download links for the delivered design, with its version',
    description:
      'One presigned GET (15 minutes) per file of the delivered version; every link is audited before it is signed. versions lists every design version up to the delivered one.',
    responses: {
      '200': 'The delivered files and their links.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only the lab that owns the order decides on its design.',
      '404':
        "No such order in your account (another account's order answers the same). The attempt is audited.",
      '409': 'The order has no delivered design yet (NOT_DELIVERED, with its status).',
      '503': 'The audit record could not be written, so the read did not happen. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The order id returned by POST /orders.',
      },
    ],
  },
  'GET /orders/{orderId}/inputs': {
    summary: "Download links for your order's input scans (labs)",
    description:
      "One presigned GET (15 minutes, one object) per input scan that has arrived: a checked scan at the version ingest checked, a draft's scan not checked yet as it stands, a scan the check refused not at all. Every link is audited before it is signed.",
    responses: {
      '200': 'The input scans and their links.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only the lab that owns the order reads its scans.',
      '404':
        "No such order in your account (another account's order answers the same). The attempt is audited.",
      '409':
        'The files are scheduled for deletion (DELETION_REQUESTED: withdraw the request), were deleted (FILES_PURGED: see the certificate), or the draft was cancelled (FILES_REMOVED).',
      '503': 'The audit record could not be written, so the read did not happen. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The order id returned by POST /orders.',
      },
    ],
  },
  'POST /orders/{orderId}/resume': {
    summary: 'Resume a STUCK order (operators)',
    description:
      'Puts a STUCK order back in its last good status (SUBMITTED, QUEUED, DELIVERED or ACCEPTED; work in progress goes back to the queue) and starts one new workflow execution, <orderId>-resume-<n>, which jumps to the matching state. A second click while or after the first resumes answers 200 with the same execution and starts nothing. Audited.',
    responses: {
      '200': 'Already resumed (a second click): the same execution, duplicate: true.',
      '202': 'Resumed: the order is in `status` again and a new execution runs for it.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Only operators resume orders. The attempt is audited.',
      '404': 'No such order.',
      '409': 'The order is not STUCK (NOT_STUCK, with its status).',
      '503':
        'The audit record could not be written (AUDIT_UNAVAILABLE), or a service the step needs failed (SERVICE_UNAVAILABLE): nothing was changed, the order is exactly as it was. Retry.',
    },
    parameters: [{ name: 'orderId', in: 'path', required: true, schema: { type: 'string' } }],
  },
  'POST /orders/{orderId}/accept': {
    summary: 'Accept the delivered design',
    description:
      "The order is then archived, with a purge date from the account's retention. Accepting an order already accepted or archived changes nothing and answers its status.",
    responses: {
      '200': 'The order is ACCEPTED (or already was).',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only the lab that owns the order decides on its design.',
      '404':
        "No such order in your account (another account's order answers the same). The attempt is audited.",
      '409':
        'Only a delivered design can be accepted (WRONG_STATE), or the delivery is still being recorded (NOT_WAITING): try again in a moment. ORDER_STUCK: the workflow no longer waits for this order (its task token was refused); the order was set aside as STUCK, operators were alerted and will resume it.',
      '503':
        'The audit record could not be written (AUDIT_UNAVAILABLE), or a service the step needs failed (SERVICE_UNAVAILABLE): nothing was changed, the order is exactly as it was. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The order id returned by POST /orders.',
      },
    ],
  },
  'POST /orders/{orderId}/revisions': {
    summary: 'Ask for a revision of the delivered design',
    description:
      'The order goes back to the queue, offered first to the designer who made the design. At most 3 revisions per order. The comment is kept encrypted and shown to the designer.',
    responses: {
      '202': 'The order is QUEUED again, with its revision number.',
      '400': 'A field is wrong: each is named, with how to fix it.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only the lab that owns the order decides on its design.',
      '404':
        "No such order in your account (another account's order answers the same). The attempt is audited.",
      '409':
        'Only a delivered design can be revised (WRONG_STATE); the order has had 3 revisions already (REVISION_LIMIT); or the delivery is still being recorded (NOT_WAITING). ORDER_STUCK: the workflow no longer waits for this order (its task token was refused); the order was set aside as STUCK, operators were alerted and will resume it.',
      '503':
        'The audit record could not be written (AUDIT_UNAVAILABLE), or a service the step needs failed (SERVICE_UNAVAILABLE): nothing was changed, the order is exactly as it was. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The order id returned by POST /orders.',
      },
    ],
    fields: {
      comment:
        'What to change; required when the reason is other. Screened for names, dates of birth, phone numbers, e-mails, SSNs, addresses.',
    },
  },
  'POST /queue/claim': {
    summary: 'Lease the most urgent order you may take (designers)',
    description:
      'Revisions offered to you first, then rush, then standard; earliest due first. The lease lasts 120 minutes unless renewed with a heartbeat. The claim is audited.',
    responses: {
      '200': 'The order you now hold.',
      '204': 'Nothing in the queue fits your skills, or you hold as many orders as your capacity allows.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only designers work the queue and their assignments.',
      '409': 'You are not an active designer in the registry (DESIGNER_INACTIVE); ask an operator.',
      '503':
        'The audit record could not be written (AUDIT_UNAVAILABLE), or a service the step needs failed (SERVICE_UNAVAILABLE): nothing was changed, the order is exactly as it was. Retry.',
    },
  },
  'GET /assignments': {
    summary: 'The orders you hold (designers)',
    description:
      'Prescription and pseudonym only: no case reference, no account, no file names. Each listed order is audited.',
    responses: {
      '200': 'Your assignments.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only designers work the queue and their assignments.',
      '503': 'The audit record could not be written, so the read did not happen. Retry.',
    },
  },
  'GET /assignments/{orderId}': {
    summary: 'One order you hold (designers)',
    description:
      'Readable while it is ASSIGNED to you or in QA after your hand-in; audited first. qaProblems lists what a failed QA found.',
    responses: {
      '200': 'The assignment.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only designers work the queue and their assignments.',
      '404':
        "You do not hold this order: another designer's order, one no longer assigned to you, and a missing one answer the same. The attempt is audited; see GET /assignments.",
      '503': 'The audit record could not be written, so the read did not happen. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'An order id from POST /queue/claim or GET /assignments.',
      },
    ],
  },
  'POST /assignments/{orderId}/heartbeat': {
    summary: 'Renew the lease on an order you hold (designers)',
    responses: {
      '200': 'The new lease expiry, 120 minutes from now.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only designers work the queue and their assignments.',
      '404':
        "You do not hold this order: another designer's order, one no longer assigned to you, and a missing one answer the same. The attempt is audited; see GET /assignments.",
      '503': 'The audit record could not be written, so nothing was read or changed. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'An order id from POST /queue/claim or GET /assignments.',
      },
    ],
  },
  'GET /assignments/{orderId}/inputs': {
    summary: 'Download links for the inputs of an order you hold (designers)',
    description:
      'One presigned GET (15 minutes) per checked input scan; every link is audited before it is signed.',
    responses: {
      '200': 'The input files and their links.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only designers work the queue and their assignments.',
      '404':
        "You do not hold this order: another designer's order, one no longer assigned to you, and a missing one answer the same. The attempt is audited; see GET /assignments.",
      '503': 'The audit record could not be written, so the read did not happen. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'An order id from POST /queue/claim or GET /assignments.',
      },
    ],
  },
  'POST /assignments/{orderId}/uploads': {
    summary: 'Declare a design file and get a presigned upload (designers)',
    description:
      'The design is STL, PLY or OBJ, plus an optional PDF design report; at most 10 files per design version, each up to 512 MB. The file belongs to the next design version.',
    responses: {
      '201': 'A single presigned PUT, with the headers to send.',
      '400': 'A field is wrong: each is named, with how to fix it.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only designers work the queue and their assignments.',
      '404':
        "You do not hold this order: another designer's order, one no longer assigned to you, and a missing one answer the same. The attempt is audited; see GET /assignments.",
      '409': 'The design version already holds 10 files (TOO_MANY_FILES).',
      '503': 'The audit record could not be written, so nothing was read or changed. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'An order id from POST /queue/claim or GET /assignments.',
      },
    ],
    fields: { name: 'File name ending .stl, .ply or .obj, or .pdf for the design report; no path.' },
  },
  'POST /assignments/{orderId}/submit': {
    summary: 'Hand the design in for QA (designers)',
    description:
      'Every declared file of the version must have been uploaded. QA then checks the hand-in like ingest checks inputs: a pass delivers it to the lab, a failure sends it back to you with qaProblems.',
    responses: {
      '202': 'The order is in QA with this design version.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only designers work the queue and their assignments.',
      '404':
        "You do not hold this order: another designer's order, one no longer assigned to you, and a missing one answer the same. The attempt is audited; see GET /assignments.",
      '409':
        "No design mesh uploaded (NO_DESIGN); declared files not uploaded yet (FILES_MISSING, with fileIds); or the order is not ready for a hand-in yet (NOT_WAITING). ORDER_STUCK: the workflow no longer waits for this order (its task token was refused); the order was set aside as STUCK, operators were alerted and will resume it. The designer's slot is given back.",
      '503':
        'The audit record could not be written (AUDIT_UNAVAILABLE), or a service the step needs failed (SERVICE_UNAVAILABLE): nothing was changed, the order is exactly as it was. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'An order id from POST /queue/claim or GET /assignments.',
      },
    ],
  },
  'POST /assignments/{orderId}/release': {
    summary: 'Give an order you hold back to the queue (designers)',
    description:
      'The order goes back to the queue in its place, for the other designers; it is not offered to you again for 12 hours (POST /queue/claim hands you the next one). A lease that lapses is not a release.',
    responses: {
      '200': 'The order is QUEUED again.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only designers work the queue and their assignments.',
      '404':
        "You do not hold this order: another designer's order, one no longer assigned to you, and a missing one answer the same. The attempt is audited; see GET /assignments.",
      '503':
        'The audit record could not be written (AUDIT_UNAVAILABLE), or a service the step needs failed (SERVICE_UNAVAILABLE): nothing was changed, the order is exactly as it was. Retry.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'An order id from POST /queue/claim or GET /assignments.',
      },
    ],
  },
  'GET /designers': {
    summary: 'List the designer registry (operators)',
    description: 'Every designer, deactivated ones included, ordered by username. The listing is audited.',
    responses: {
      '200': 'The registry.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only operators keep the designer registry.',
      '503': 'The audit record could not be written, so nothing was read or changed. Retry.',
    },
  },
  'POST /designers': {
    summary: 'Register a designer (operators)',
    description: 'The change is audited before it is written.',
    responses: {
      '201': 'The new registry entry, enabled unless sent otherwise, with no jobs.',
      '400': 'A field is wrong: each is named, with how to fix it.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only operators keep the designer registry.',
      '409': 'This designer is already registered; change it with PATCH /designers/{designerId}.',
      '503': 'The audit record could not be written, so nothing was read or changed. Retry.',
    },
    fields: {
      designerId: "The designer's Cognito sub.",
      username: "The designer's sign-in name, e.g. designer.priya.",
      displayName: 'The name colleagues know the designer by; no e-mail address or phone number.',
      skills:
        'Restoration types the designer may take: crown, bridge, inlay-onlay, veneer, implant-abutment, implant-crown-bridge, full-arch, denture, splint-night-guard, model.',
      capacity: 'Jobs the designer may hold at once.',
      country:
        'ISO 3166-1 alpha-2 code of the country the designer works from (international-transfer record).',
      enabled: 'The active flag: a disabled designer claims no work.',
    },
  },
  'PATCH /designers/{designerId}': {
    summary: "Change a designer's name, skills, capacity, country or active flag (operators)",
    description:
      'Send at least one field. Lowering capacity below the jobs in hand keeps those jobs and claims nothing new until enough are released.',
    responses: {
      '200': 'The updated entry.',
      '400': 'A field is wrong: each is named, with how to fix it.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only operators keep the designer registry.',
      '404': 'No designer with this id in the registry.',
      '503': 'The audit record could not be written, so nothing was read or changed. Retry.',
    },
    parameters: [
      {
        name: 'designerId',
        in: 'path',
        required: true,
        schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' },
        description: "The designer's Cognito sub.",
      },
    ],
    fields: {
      displayName: 'The name colleagues know the designer by; no e-mail address or phone number.',
      skills:
        'Restoration types the designer may take: crown, bridge, inlay-onlay, veneer, implant-abutment, implant-crown-bridge, full-arch, denture, splint-night-guard, model.',
      capacity: 'Jobs the designer may hold at once.',
      country:
        'ISO 3166-1 alpha-2 code of the country the designer works from (international-transfer record).',
      enabled: 'The active flag: a disabled designer claims no work.',
    },
  },
  'DELETE /designers/{designerId}': {
    summary: 'Deactivate a designer (operators)',
    description:
      'Sets enabled to false; the entry is kept for the international-transfer record and is never deleted. Repeating it changes nothing.',
    responses: {
      '200': 'The deactivated entry.',
      '400': 'A field is wrong: each is named, with how to fix it.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this: only operators keep the designer registry.',
      '404': 'No designer with this id in the registry.',
      '503': 'The audit record could not be written, so nothing was read or changed. Retry.',
    },
    parameters: [
      {
        name: 'designerId',
        in: 'path',
        required: true,
        schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' },
        description: "The designer's Cognito sub.",
      },
    ],
  },
  'DELETE /orders/{orderId}/files': {
    summary: 'Delete the case files of a delivered order',
    description:
      'The files are hidden at once and purged (every version) after the grace period, with a signed certificate.',
    responses: {
      '202': 'Deletion requested.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this.',
      '404': 'No such order in your account.',
      '409':
        'IN_PROGRESS, DECISION_PENDING or ALREADY_PURGED as for DELETE /orders/{orderId}; WRONG_STATE for a draft (cancel it instead); FILES_PURGED when the files were already deleted.',
      '503': 'Audit unavailable.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The order id.',
      },
    ],
  },
  'DELETE /orders/{orderId}/deletion-request': {
    summary: 'Withdraw a deletion request during the grace period',
    responses: {
      '200': 'The order is visible again.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this.',
      '404': 'No such order in your account.',
      '409': 'No request, or too late (purging or purged).',
      '503': 'Audit unavailable.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The order id.',
      },
    ],
  },
  'GET /orders/{orderId}/certificate': {
    summary: 'The signed deletion certificate of a purged order',
    responses: {
      '200': 'The certificate and its signature.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not do this.',
      '404': 'No such order in your account.',
      '409': 'Not purged yet.',
      '503': 'Audit unavailable.',
    },
    parameters: [
      {
        name: 'orderId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The order id.',
      },
    ],
  },
  'GET /certificates/public-key': {
    summary: 'The public key that verifies deletion certificates',
    description:
      'Public: anyone holding a certificate can verify it (caseline verify-certificate FILE --key KEY.pem, or openssl as docs/certificates.md shows).',
    responses: { '200': 'PEM public key, key id and algorithm.' },
  },
  'GET /audit/public-key': {
    summary: 'The public key that verifies audit digests',
    description:
      'Public: anyone holding audit digests can verify them (caseline verify-audit DIR --key KEY, or openssl as docs/audit.md shows).',
    responses: { '200': 'PEM public key, key id and algorithm.' },
  },
  'GET /accounts/{accountId}/processing-record': {
    summary: "The account's record of processing (GDPR Art 30(2))",
    description:
      "Categories of data and data subjects, purposes, the sub-processors and the region each runs in (common/sub-processors.ts), the countries of the designers who handled the account's orders in the range (transfers), the retention policy, every deletion certificate issued for the account, and incidents (none recorded yet). No PHI. The account's own lab-admin, or a staff auditor for any account; the read is audited first. The same record is in every audit export.",
    responses: {
      '200': 'The record.',
      '400':
        'from or to is not an ISO 8601 UTC instant, to is before from, the range is longer than 366 days, or it holds more than 20,000 audit events: ask for a shorter range.',
      '401': 'Missing, invalid or expired token.',
      '403': "The account's lab-admin or a staff auditor only (a lab user is refused).",
      '404': "No such account, or another account than the lab-admin's own.",
      '503': 'The audit record of this read could not be written, so nothing was read. Retry.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The lab account id.',
      },
      {
        name: 'from',
        in: 'query',
        required: false,
        schema: { type: 'string', format: 'date-time' },
        description: 'Inclusive; default 365 days before to.',
      },
      {
        name: 'to',
        in: 'query',
        required: false,
        schema: { type: 'string', format: 'date-time' },
        description: 'Inclusive; default now.',
      },
    ],
  },
  'GET /audit/events': {
    summary: "Read any account's audit events, by account or by actor (auditors)",
    description:
      'Paged from the table key (accountId) or the byActor index (actor; with accountId too, only that account), never a scan; oldest first. Read-only, and the read is itself audited first.',
    responses: {
      '200': 'One page of events.',
      '400': 'A query parameter is wrong (named), or the cursor is not one this route gave.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Auditors only.',
      '503': 'The audit record of this read could not be written, so nothing was read. Retry.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: 'The owner account of the events.',
      },
      {
        name: 'actor',
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: "The actor's sub.",
      },
      {
        name: 'from',
        in: 'query',
        required: false,
        schema: { type: 'string', format: 'date-time' },
        description: 'Inclusive; default the beginning.',
      },
      {
        name: 'to',
        in: 'query',
        required: false,
        schema: { type: 'string', format: 'date-time' },
        description: 'Inclusive; default now.',
      },
      {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: 100 },
        description: 'Default 50.',
      },
      {
        name: 'cursor',
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: 'From the previous page.',
      },
    ],
  },
  'GET /audit/digests': {
    summary: 'The signed digests that cover an account and a range (auditors)',
    description:
      'Global digests whose window meets [from, to] and the account digests of those runs: with the events, what caseline verify-audit checks (caseline audit-fetch writes both into a directory). The read is audited.',
    responses: {
      '200': 'The digests.',
      '400': 'A query parameter is wrong (named), or the range holds more than 1,000 runs.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Auditors only.',
      '503': 'The audit record of this read could not be written, so nothing was read. Retry.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'query',
        required: true,
        schema: { type: 'string' },
        description: 'The account.',
      },
      {
        name: 'from',
        in: 'query',
        required: false,
        schema: { type: 'string', format: 'date-time' },
        description: 'Inclusive.',
      },
      {
        name: 'to',
        in: 'query',
        required: false,
        schema: { type: 'string', format: 'date-time' },
        description: 'Inclusive; default now.',
      },
    ],
  },
  'POST /accounts/{accountId}/terminate': {
    summary: 'Terminate a partner account: purge every order, sign one summary certificate',
    responses: {
      '200': "The signed summary certificate, listing each order's certificate.",
      '401': 'Missing, invalid or expired token.',
      '403': 'Operators only.',
      '404':
        'No such account: only an account set up with PUT /accounts/{accountId}/policy can be terminated.',
      '409': "STAFF_ACCOUNT: caseline is Caseline's own organisation, not a partner.",
      '503': 'Audit unavailable.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The lab account id.',
      },
    ],
  },
  'POST /accounts/{accountId}/exports': {
    summary: 'Ask for an export of your account (data portability, GDPR Art 20)',
    description:
      'A job writes one zip: per order its prescription (order.json, PHI decrypted), its timeline (timeline.json), its input scans and the delivered design (current version) as uploaded, and manifest.json listing every file with its size and SHA-256, signed with the certificate key (verify with GET /certificates/public-key). Purged orders and orders asked to be deleted are left out (named in the manifest). The range must be sealed (the sealer runs hourly): the export waits for the run that covers `to`, for up to 3 hours. One open audit export per account (beside at most one portability export): a second request while one runs answers that one.',
    responses: {
      '202':
        'The export, RUNNING (or the one already running: duplicate true). Follow it at the Location header.',
      '400': 'The accountId is not a valid account id.',
      '401': 'Missing, invalid or expired token.',
      '403': "Lab administrators only (role lab-admin); a lab user's attempt is audited.",
      '404': 'Not your account (audited against the account asked for).',
      '409': 'EXPORT_PENDING: another request for this account is being recorded; ask again in a moment.',
      '503':
        'The audit record could not be written, or the export job could not be started (it is marked FAILED). Retry.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'Your account id.',
      },
    ],
  },
  'GET /accounts/{accountId}/exports': {
    summary: "List your account's portability exports, newest first",
    description:
      "Newest first, a page at a time, with each one's status and times; no download links (GET one export for its link, audited). The listing is audited.",
    responses: {
      '200': 'A page of exports and nextCursor when there may be more.',
      '400': 'The accountId is malformed, or limit or cursor is wrong (named).',
      '401': 'Missing, invalid or expired token.',
      '403': 'Lab administrators only (role lab-admin).',
      '404': 'Not your account (audited against the account asked for).',
      '503': 'The audit record could not be written, so the read did not happen. Retry.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The account id.',
      },
      {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'integer' },
        description: '1–100, default 25.',
      },
      {
        name: 'cursor',
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: 'nextCursor from the previous page, unchanged.',
      },
    ],
  },
  'GET /accounts/{accountId}/exports/{exportId}': {
    summary: 'Where an export stands; when ready, a 15-minute download link',
    responses: {
      '200': 'The export; when READY, a presigned GET of the archive (audited before it is handed out).',
      '400': 'The accountId or exportId is malformed.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Lab administrators only (role lab-admin).',
      '404': 'No such export of your account, or not your account.',
      '503': 'The audit record could not be written, so no link was handed out. Retry.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'Your account id.',
      },
      {
        name: 'exportId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'As POST returned it.',
      },
    ],
  },
  'POST /accounts/{accountId}/audit-exports': {
    summary: "Ask for an export of an account's audit trail (signed, verifiable offline)",
    description:
      "A job writes one zip in the layout `caseline verify-audit DIR` reads: range.json, events.jsonl (the account's audit events in the range in their disclosed form, what the digests hash: the account's own users by sub, staff, designers and other labs' users by a stable pseudonym), events.csv (the same for people, with designers' countries), the signed digests that cover the range (digests/global, digests/accounts), and manifest.json (range, counts, each file's SHA-256) signed with the audit key (GET /audit/public-key). No PHI: audit events hold ids and codes only. The account's lab-admin for its own account, or a staff auditor for any account; the request is audited. The range must be sealed (the sealer runs hourly): the export waits for the run that covers `to`, for up to 3 hours. One open audit export per account (beside at most one portability export): a second request while one runs answers that one.",
    fields: {
      from: 'ISO 8601 UTC instant (2026-01-05T09:00:00.000Z), inclusive.',
      to: 'ISO 8601 UTC instant, inclusive; not before from, not in the future, at most 366 days after from. The export is written once a sealing run covers it.',
    },
    responses: {
      '202':
        'The audit export, RUNNING (or the one already running: duplicate true). Follow it at the Location header.',
      '400':
        'from or to missing, malformed, reversed, in the future or more than 366 days apart (field-level).',
      '401': 'Missing, invalid or expired token.',
      '403': 'Lab administrators and auditors only; the attempt is audited.',
      '404': "Not your account (a lab-admin asking for another account's; audited against it).",
      '409': 'EXPORT_PENDING: another request for this account is being recorded; ask again in a moment.',
      '503':
        'The audit record could not be written, or the export job could not be started (it is marked FAILED). Retry.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The account whose audit trail to export.',
      },
    ],
  },
  'GET /accounts/{accountId}/audit-exports': {
    summary: "List an account's audit exports, newest first",
    description:
      "Newest first, a page at a time, with each one's status, range and times; no download links (GET one export for its link, audited). The listing is audited.",
    responses: {
      '200': 'A page of exports and nextCursor when there may be more.',
      '400': 'The accountId is malformed, or limit or cursor is wrong (named).',
      '401': 'Missing, invalid or expired token.',
      '403': 'Lab administrators and auditors only.',
      '404': "Not your account (a lab-admin listing another account's; audited against it).",
      '503': 'The audit record could not be written, so the read did not happen. Retry.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The account id.',
      },
      {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'integer' },
        description: '1–100, default 25.',
      },
      {
        name: 'cursor',
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: 'nextCursor from the previous page, unchanged.',
      },
    ],
  },
  'GET /accounts/{accountId}/audit-exports/{exportId}': {
    summary: 'Where an audit export stands; when ready, a 15-minute download link',
    responses: {
      '200':
        'The audit export; when READY, a presigned GET of the archive (audited before it is handed out).',
      '400': 'The accountId or exportId is malformed.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Lab administrators and auditors only.',
      '404': 'No such audit export of the account, or not your account.',
      '503': 'The audit record could not be written, so no link was handed out. Retry.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The account id.',
      },
      {
        name: 'exportId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'As POST returned it.',
      },
    ],
  },
  'GET /accounts/{accountId}/policy': {
    summary: "An account's retention, auto-accept window and deletion grace period",
    responses: {
      '200': 'The policy (defaults: 730, 7, 30 days).',
      '401': 'Missing, invalid or expired token.',
      '403': 'Operators only.',
      '404': 'No such account: none was set up (no stored policy), or caseline (staff).',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The lab account id.',
      },
    ],
  },
  'POST /accounts': {
    summary: 'Onboard a BAA partner (operators)',
    description:
      'The account starts ONBOARDING: it can receive no PHI until an operator sets it ACTIVE, which needs a BAA on file (PATCH /accounts/{accountId}). Audited before it is written.',
    responses: {
      '201': 'The new account record.',
      '400': 'A field is wrong: each is named, with how to fix it (never echoing the value).',
      '401': 'Missing, invalid or expired token.',
      '403': 'Operators only.',
      '409': 'ACCOUNT_EXISTS: the id is taken.',
      '503': 'Audit unavailable: nothing was written.',
    },
    fields: {
      accountId: 'The id labs are known by, e.g. lab-delta; caseline is the staff account.',
      legalName: 'The legal entity that signed the BAA.',
      state: 'Required when country is US.',
      baa: 'The Business Associate Agreement on file: without one the account receives no PHI.',
      'baa.breachNoticeHours':
        'How soon this partner is told of a breach affecting it: 1–72 hours, default 24 (seed 002).',
      contacts:
        'Who receives security notices (at least one). Personal data: never logged; removed when the termination finishes.',
      policy: 'Retention, auto-accept and deletion grace; the defaults (730, 7, 30 days) otherwise.',
    },
  },
  'GET /accounts': {
    summary: 'List the partner accounts (operators)',
    description: 'In id order, a page at a time. The listing is audited.',
    responses: {
      '200': 'A page of accounts and nextCursor when there are more.',
      '400': 'limit or cursor is wrong.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Operators only.',
      '503': 'Audit unavailable: the read did not happen.',
    },
    parameters: [
      {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'integer' },
        description: '1–100, default 50.',
      },
      {
        name: 'cursor',
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: 'nextCursor from the previous page.',
      },
    ],
  },
  'GET /accounts/{accountId}': {
    summary: 'Read a partner account (operators; its own lab-admin)',
    description:
      'BAA, contacts, policy and status. Audited; another account is a 404 to a lab-admin, as a missing one.',
    responses: {
      '200': 'The account record.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Operators and lab-admins only.',
      '404': 'No such account, or not yours.',
      '503': 'Audit unavailable: the read did not happen.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The partner account id (2–63 lower-case letters, digits and "-").',
      },
    ],
  },
  'PATCH /accounts/{accountId}': {
    summary: 'Change a partner account (operators; its lab-admin: contacts only)',
    description:
      'Any subset of the fields; written over the version read. ACTIVE needs a BAA on file. TERMINATING and TERMINATED are set by POST /accounts/{accountId}/terminate only.',
    responses: {
      '200': 'The account as changed.',
      '400': 'A field is wrong: each is named.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not change these fields (a lab-admin changes contacts only).',
      '404': 'No such account, or not yours.',
      '409':
        'BAA_REQUIRED (activating without a BAA), CONCURRENT_UPDATE (changed meanwhile: read and repeat), or ACCOUNT_TERMINATED.',
      '503': 'Audit unavailable: nothing was written.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The partner account id (2–63 lower-case letters, digits and "-").',
      },
    ],
  },
  'POST /accounts/{accountId}/users': {
    summary: 'Invite a user to a partner account (its lab-admin; operators)',
    description:
      'Creates the user in the Cognito user pool with the account id and the role (lab or lab-admin); Cognito e-mails a temporary password, and the first sign-in sets a password and MFA (required). Audited first. A lab user may not invite (403, audited).',
    responses: {
      '201': 'The invited user.',
      '400': 'A field is wrong: each is named.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not manage users (lab users cannot; the attempt is audited).',
      '404': 'No such account, or not yours.',
      '409': 'USER_EXISTS (the e-mail already has a user) or ACCOUNT_TERMINATED.',
      '503': 'Audit unavailable: nothing was written.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The partner account id (2–63 lower-case letters, digits and "-").',
      },
    ],
    fields: {
      email: "The user's sign-in e-mail (personal data: never logged).",
      role: 'lab (creates and follows orders) or lab-admin (also manages users and security contacts).',
    },
  },
  'GET /accounts/{accountId}/users': {
    summary: "List a partner account's users (its lab-admin; operators)",
    responses: {
      '200': 'The users.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not manage users.',
      '404': 'No such account, or not yours.',
      '503': 'Audit unavailable: the read did not happen.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The partner account id (2–63 lower-case letters, digits and "-").',
      },
    ],
  },
  'DELETE /accounts/{accountId}/users/{userId}': {
    summary: 'Remove a user: every session revoked, the user deleted (its lab-admin; operators)',
    description:
      'AdminUserGlobalSignOut then AdminDeleteUser, audited with the user id. On AWS an access token already issued stays valid at the API for up to 15 minutes (its refresh token is revoked at once); the local stack refuses it at once.',
    responses: {
      '200': 'Removed.',
      '400': 'The path is malformed.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Your role may not manage users.',
      '404': 'No such account, or not yours, or no such user in it.',
      '503': 'Audit unavailable: nothing was changed.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The partner account id (2–63 lower-case letters, digits and "-").',
      },
      {
        name: 'userId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: "The user's id (its Cognito sub), as listed.",
      },
    ],
  },
  'PUT /accounts/{accountId}/policy': {
    summary: "Set an account's policy (any subset of the fields)",
    responses: {
      '200': 'The policy now in force.',
      '400': 'A value out of range, named with its range.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Operators only.',
      '404': 'The staff account (caseline) has no policy.',
      '409': 'ACCOUNT_TERMINATED: the account is being or was terminated; its policy no longer applies.',
      '503': 'Audit unavailable.',
    },
    parameters: [
      {
        name: 'accountId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The lab account id.',
      },
    ],
  },
};
