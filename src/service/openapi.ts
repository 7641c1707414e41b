/**
 * The service's machine-readable contract: an OpenAPI 3.1 document built from the route
 * schemas below (JSON Schema; the service validates requests with the hand-written checks of
 * src/contract, which these schemas describe), with the examples of docs/service.md, and a
 * self-contained page at /__docs__/ (no script or style from elsewhere: it works offline).
 */
import { ITEM_BOUNDS, LATENT_BOUNDS } from '../contract/bounds.js';
import { OPTION_NAMES, optionSpec } from '../contract/options.js';
import { CALIBRATE_KEYS } from '../contract/validate.js';
import { MODEL_NAMES } from '../engine/types.js';
import {
  CALIBRATE_EXAMPLES,
  CALIBRATE_RESPONSE_EXAMPLE,
  SCORE_EXAMPLES,
  SCORE_RESPONSE_EXAMPLE,
} from './openapi-examples.js';

const id = { oneOf: [{ type: 'string', minLength: 1 }, { type: 'number' }] };
const cell = { enum: [0, 1, true, false, null] };
const irt = {
  type: 'object',
  required: ['a', 'b'],
  properties: {
    a: { type: 'number', exclusiveMinimum: 0, maximum: ITEM_BOUNDS.aMax },
    b: {
      type: 'number',
      minimum: -ITEM_BOUNDS.bAbsMax,
      maximum: ITEM_BOUNDS.bAbsMax,
      description: `|a b| <= ${ITEM_BOUNDS.interceptAbsMax}`,
    },
    c: { type: ['number', 'null'], minimum: 0, exclusiveMaximum: 1 },
    u: { type: ['number', 'null'], maximum: 1, description: '4PL upper asymptote, in (c, 1]; absent: 1' },
  },
};
const anchorEntry = {
  type: 'object',
  required: ['item_id'],
  properties: {
    item_id: id,
    params: { type: 'object', description: '{a, b, c?, model?}; empty: ignored and listed' },
    a: irt.properties.a,
    b: irt.properties.b,
    c: irt.properties.c,
    u: irt.properties.u,
    fixed: { type: 'boolean', description: 'true or absent: pinned; false: starting values only' },
  },
};
const options = {
  model: { type: 'string', enum: MODEL_NAMES, description: 'any case; default 2PL' },
  // The calibration options of contract/options.ts, with their defaults on the service.
  ...Object.fromEntries(
    OPTION_NAMES.map((name) => {
      const o = optionSpec(name);
      const json = o.value.json as { description?: string };
      const text = [json.description, o.describe, `default ${o.defaults.unattended}`].filter(Boolean);
      return [name, { ...o.value.json, description: text.join('; ') }];
    }),
  ),
  version: { type: 'string', description: 'default MIRT_SERVICE_DEFAULT_VERSION (v1)' },
  run_id: { type: 'string', description: 'default irt-fit-YYYYmmddHHMMSS (UTC)' },
  anchors: {
    oneOf: [
      { type: 'array', items: anchorEntry },
      { type: 'object', additionalProperties: irt },
    ],
  },
};

export const SCHEMAS = {
  CalibrateRequest: {
    type: 'object',
    description: `Exactly one of observations and responses. Other keys than ${CALIBRATE_KEYS.join(', ')} are a 400.`,
    additionalProperties: false,
    properties: {
      observations: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: {
            user_id: id,
            item_id: id,
            is_correct: cell,
            responded_at: { type: ['string', 'null'] },
          },
        },
      },
      responses: {
        oneOf: [
          { type: 'array', minItems: 1, items: { type: 'array', items: cell } },
          { type: 'array', minItems: 1, items: { type: 'object', additionalProperties: cell } },
        ],
      },
      item_ids: { type: 'array', items: id },
      user_ids: { type: 'array', items: id },
      ...options,
    },
  },
  CalibrateResponse: {
    type: 'object',
    required: ['item_params', 'abilities', 'fit_meta'],
    properties: {
      status: { const: 'ok' },
      item_params: {
        type: 'array',
        items: {
          type: 'object',
          required: ['item_id', 'model', 'params', 'version'],
          properties: {
            item_id: { type: 'string' },
            model: { type: 'string' },
            params: irt,
            version: { type: 'string' },
            anchored: { const: true },
          },
        },
      },
      abilities: {
        type: 'array',
        items: {
          type: 'object',
          required: ['user_id', 'theta', 'se', 'model', 'version'],
          properties: {
            user_id: { type: 'string' },
            theta: { type: 'number' },
            se: { type: ['number', 'null'] },
            model: { type: 'string' },
            version: { type: 'string' },
          },
        },
      },
      fit_meta: {
        type: 'object',
        required: ['run_id', 'model_spec', 'metrics'],
        properties: {
          run_id: { type: 'string' },
          model_spec: { type: 'object' },
          metrics: { type: 'object' },
          linking_constants: {
            type: 'object',
            properties: {
              method: { enum: ['fixed_anchors', 'mean_sigma', 'none'] },
              A: { type: 'number' },
              B: { type: 'number' },
              n_anchors_used: { type: 'integer' },
              reason: { type: 'string' },
            },
          },
        },
      },
      warnings: { type: 'array', items: { type: 'string' } },
    },
  },
  ScoreRequest: {
    type: 'object',
    description:
      "item_params as records, R records {item, a, b, c} or a map by id; observations, R rows, or one learner's answers",
    required: ['item_params'],
    properties: {
      item_params: {
        oneOf: [
          { type: 'array', items: { type: 'object' } },
          { type: 'object', additionalProperties: irt },
        ],
      },
      observations: { type: 'array', items: { type: 'object' } },
      responses: {
        oneOf: [
          { type: 'array', items: { type: 'array', items: cell } },
          {
            type: 'array',
            items: { type: 'object', properties: { item_id: id, is_correct: cell } },
          },
        ],
      },
      user_id: id,
      method: { type: 'string', enum: ['EAP', 'MAP', 'ML', 'WLE'] },
      latent: {
        type: 'object',
        properties: {
          mean: { type: 'number', minimum: -LATENT_BOUNDS.meanAbsMax, maximum: LATENT_BOUNDS.meanAbsMax },
          variance: { type: 'number', exclusiveMinimum: 0, maximum: LATENT_BOUNDS.varianceMax },
        },
      },
      quadpts: { type: 'integer', minimum: 5, maximum: 401 },
      model: { type: 'string' },
      version: { type: 'string' },
    },
  },
  ScoreResponse: {
    type: 'object',
    properties: {
      status: { const: 'ok' },
      theta: { type: ['number', 'null'], description: "one learner's shape only" },
      se: { type: ['number', 'null'] },
      standard_error: { type: ['number', 'null'] },
      abilities: { type: 'array', items: { type: 'object' } },
      unscored: { type: 'array', items: { type: 'string' } },
      skipped: { type: 'object' },
    },
  },
  Health: {
    type: 'object',
    properties: {
      status: { const: 'ok' },
      service: { type: 'string' },
      time: { type: 'string', format: 'date-time' },
      version: { type: 'string' },
      uptime_s: { type: 'number' },
      calibrations_in_flight: { type: 'integer' },
      calibration_slots_in_use: { type: 'integer' },
      calibration_workers: { type: 'integer' },
      max_concurrent_calibrations: { type: 'integer' },
      calibrations_queued: { type: 'integer' },
    },
  },
  Error: {
    type: 'object',
    required: ['error', 'message', 'request_id'],
    properties: {
      error: { type: 'string' },
      message: { type: 'string' },
      field: { type: 'string' },
      request_id: { type: 'string' },
    },
  },
} as const;

const ref = (name: keyof typeof SCHEMAS) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, examples?: Record<string, unknown>) => ({
  'application/json': {
    schema,
    ...(examples
      ? { examples: Object.fromEntries(Object.entries(examples).map(([k, v]) => [k, { value: v }])) }
      : {}),
  },
});
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [String(c), { description: ERROR_TEXT[c], content: json(ref('Error')) }]),
  );
const ERROR_TEXT: Record<number, string> = {
  400: 'bad request; `field` names the offending field',
  401: 'missing or wrong token',
  413: 'body over the limit',
  415: 'not JSON',
  503: 'busy (queue full or wait over; Retry-After) or past the time limit',
};

const calibrateOp = (path: string) => ({
  summary: `Calibrate (${path})`,
  requestBody: { required: true, content: json(ref('CalibrateRequest'), CALIBRATE_EXAMPLES) },
  responses: {
    200: {
      description: 'estimates',
      content: json(ref('CalibrateResponse'), { answer: CALIBRATE_RESPONSE_EXAMPLE }),
    },
    ...errors(400, 401, 413, 415, 503),
  },
});

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'mirt-calibrate service',
      version,
      description:
        'IRT calibration and scoring; a drop-in for the R IRT Plumber service. See docs/service.md.',
    },
    components: {
      schemas: SCHEMAS,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        internalToken: { type: 'apiKey', in: 'header', name: 'X-Internal-Token' },
      },
    },
    security: [{ bearer: [] }, { internalToken: [] }],
    paths: {
      '/calibrate': { post: calibrateOp('/calibrate') },
      '/irt/calibrate': { post: calibrateOp('/irt/calibrate') },
      '/irt/score': {
        post: {
          summary: 'Score abilities from given item parameters',
          requestBody: { required: true, content: json(ref('ScoreRequest'), SCORE_EXAMPLES) },
          responses: {
            200: {
              description: 'abilities',
              content: json(ref('ScoreResponse'), { one_learner: SCORE_RESPONSE_EXAMPLE }),
            },
            ...errors(400, 401, 413, 415),
          },
        },
      },
      '/health': {
        get: {
          summary: 'Health',
          security: [],
          responses: { 200: { description: 'ok', content: json(ref('Health')) } },
        },
      },
      '/healthz': {
        get: {
          summary: "Health (the R service's path)",
          security: [],
          responses: { 200: { description: 'ok', content: json(ref('Health')) } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (also without the token on MIRT_SERVICE_METRICS_PORT)',
          responses: { 200: { description: 'text/plain; version=0.0.4' }, ...errors(401) },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', security: [], responses: { 200: { description: 'OpenAPI 3.1' } } },
      },
    },
  };
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string,
  );
}

/** The docs page: every operation with its schemas and examples, as plain HTML. */
export function docsPage(doc: Record<string, unknown>): string {
  const paths = doc.paths as Record<
    string,
    Record<string, { summary: string; requestBody?: unknown; responses: unknown }>
  >;
  const ops = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(
      ([
        method,
        op,
      ]) => `<section><h2><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2><p>${escapeHtml(op.summary)}</p>
${op.requestBody ? `<details><summary>request</summary><pre>${escapeHtml(JSON.stringify(op.requestBody, null, 2))}</pre></details>` : ''}
<details><summary>responses</summary><pre>${escapeHtml(JSON.stringify(op.responses, null, 2))}</pre></details></section>`,
    ),
  );
  const info = doc.info as { title: string; version: string; description: string };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(info.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:.5rem;overflow:auto}</style></head>
<body><h1>${escapeHtml(info.title)} ${escapeHtml(info.version)}</h1><p>${escapeHtml(info.description)} Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<details><summary>schemas</summary><pre>${escapeHtml(JSON.stringify((doc.components as { schemas: unknown }).schemas, null, 2))}</pre></details>
${ops.join('\n')}</body></html>`;
}
