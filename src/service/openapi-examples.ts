/**
 * The request and response examples of docs/service.md, served in /openapi.json. A test
 * (test/service/openapi.test.ts) checks that every JSON example of the docs is one of these, and
 * that every request example passes the service's own validation.
 */
export const CALIBRATE_EXAMPLES = {
  observations: {
    observations: [{ user_id: 'u1', item_id: 'q1', is_correct: 1, responded_at: '2026-11-20T10:00:00Z' }],
    model: '2PL',
  },
  matrix_rows: {
    responses: [
      [0, 1, null],
      [1, 0, 1],
      [1, 1, 0],
    ],
    item_ids: ['q1', 'q2', 'q3'],
    user_ids: ['u1', 'u2', 'u3'],
    model: 'Rasch',
  },
  matrix_objects: {
    responses: [
      { q1: 0, q2: 1 },
      { q1: 1, q2: 0, q3: 1 },
      { q1: 1, q2: 1, q3: 0 },
    ],
    user_ids: ['u1', 'u2', 'u3'],
    model: 'Rasch',
  },
  old_job_anchors: {
    observations: [
      { user_id: '17', item_id: '101', is_correct: true, responded_at: '2026-11-20 10:00:00+00:00' },
      { user_id: '17', item_id: '102', is_correct: false, responded_at: '2026-11-20 10:01:00+00:00' },
    ],
    model: '2PL',
    anchors: [
      { item_id: '101', params: { a: 1.1, b: -0.4, model: '2PL' }, fixed: true },
      { item_id: '102', params: { a: 0.8, b: 0.9, c: 0.2, model: '3PL' }, fixed: false },
      { item_id: '103', params: {}, fixed: true },
    ],
  },
} as const;

export const CALIBRATE_RESPONSE_EXAMPLE = {
  status: 'ok',
  item_params: [
    { item_id: '101', model: '2PL', params: { a: 1.1, b: -0.4 }, version: 'v1', anchored: true },
    { item_id: '102', model: '2PL', params: { a: 0.93, b: 0.71 }, version: 'v1', se: { a: 0.08, b: 0.06 } },
  ],
  abilities: [{ user_id: '17', theta: 0.12, se: 0.61, model: '2PL', version: 'v1' }],
  fit_meta: {
    run_id: 'irt-fit-20261201020000',
    model_spec: { model: '2PL', n_items: 2, n_users: 1, latent: { mean: 0.05, variance: 1.1 } },
    metrics: { logLik: -1234.5, AIC: 2479.0 },
    linking_constants: { method: 'fixed_anchors', A: 1.049, B: 0.05, n_anchors_used: 1 },
  },
  warnings: ['anchors: 1 entr(ies) without parameters ignored: 103 (no parameters (a, b) given)'],
} as const;

export const SCORE_EXAMPLES = {
  observations: {
    item_params: [
      { item_id: 'q1', params: { a: 1.2, b: -0.5 } },
      { item_id: 'q2', params: { a: 0.9, b: 0.4, c: 0.2 } },
    ],
    observations: [
      { user_id: 'u1', item_id: 'q1', is_correct: 1 },
      { user_id: 'u1', item_id: 'q2', is_correct: 0 },
    ],
    method: 'EAP',
    latent: { mean: 0, variance: 1 },
  },
  r_rows: {
    item_params: [
      { item: 'q1', a: 1.2, b: -0.5, c: 0 },
      { item: 'q2', a: 0.9, b: 0.4, c: 0.2 },
    ],
    responses: [
      [1, 0],
      [1, null],
    ],
  },
  one_learner: {
    item_params: { q1: { a: 1.2, b: -0.5, c: 0 }, q2: { a: 0.9, b: 0.4, c: 0.2 } },
    responses: [
      { item_id: 'q1', is_correct: true },
      { item_id: 'q2', is_correct: false },
    ],
  },
} as const;

export const SCORE_RESPONSE_EXAMPLE = {
  status: 'ok',
  theta: 0.07,
  se: 0.82,
  standard_error: 0.82,
  abilities: [{ user_id: '1', theta: 0.07, se: 0.82, method: 'EAP', model: '2PL', version: 'v1' }],
  unscored: [],
  skipped: { unknown_item: 0, null_correct: 0, duplicate: 0 },
} as const;
