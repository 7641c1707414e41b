/**
 * The option schema (contract/options.ts) is the one declaration every surface reads: each
 * option declared there is accepted and checked by validation, sent by the remote client, read
 * by the job from its variable and flag, described by the OpenAPI document and the docs, and
 * echoed in model_spec with the default the schema declares for each surface. These tests loop
 * over the schema, so a new entry is checked everywhere without a new test.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { createCalibrator } from '../../src/calibrators/index.js';
import { LocalCalibrator } from '../../src/calibrators/local.js';
import { calibrateRequestJson } from '../../src/calibrators/remote-request.js';
import {
  CALIBRATION_OPTIONS,
  jobToWire,
  OPTION_NAMES,
  optionSpec,
  wireToJob,
} from '../../src/contract/options.js';
import { CALIBRATE_KEYS, validateCalibrateRequest } from '../../src/contract/validate.js';
import { responsesFromObservations } from '../../src/engine/responses.js';
import { SCORE_METHODS } from '../../src/engine/types.js';
import { HELP, loadConfig } from '../../src/job/config.js';
import { FIT_HELP } from '../../src/job/fit-command.js';
import { calibrateBody } from '../../src/service/calibrate-handler.js';
import { SCHEMAS } from '../../src/service/openapi.js';
import { referenceDir, repoRoot } from '../helpers/reference.js';
import { lsat7 } from '../service/helpers.js';
import { fieldOf } from './field-of.js';

/** A value of each option other than its default, as it goes on the wire and in a job. */
const SAMPLE: Record<string, number | string> = {
  quadpts: 41,
  score_method: 'map',
  c_prior: 'beta:5:17',
  u_prior: 'normal:1.1:2',
  max_cycles: 300,
  tol: 1e-5,
};

const get = (o: unknown, dotted: string) =>
  dotted.split('.').reduce((at, k) => (at as Record<string, unknown> | undefined)?.[k], o);

describe('every option of the schema on every surface', () => {
  test('the test covers every option', () => {
    assert.deepEqual(Object.keys(SAMPLE).sort(), [...OPTION_NAMES].sort());
  });

  test('validation: a known key, read when good, a 400 naming it when of the wrong kind', () => {
    const obs = lsat7(5);
    for (const name of OPTION_NAMES) {
      assert.ok(CALIBRATE_KEYS.includes(name), name);
      const input = validateCalibrateRequest({ observations: obs, [name]: SAMPLE[name] });
      assert.equal(input.options[name], SAMPLE[name], name);
      assert.equal(
        fieldOf(() => validateCalibrateRequest({ observations: obs, [name]: {} })),
        name,
      );
    }
    assert.equal(
      fieldOf(() => validateCalibrateRequest({ observations: obs, quadpts: 4 })),
      'quadpts',
    );
    assert.equal(
      fieldOf(() => validateCalibrateRequest({ observations: obs, tol: 1 })),
      'tol',
    );
  });

  test('wire names <-> job fields, and the remote client sends what the job sets', () => {
    const job = wireToJob(SAMPLE);
    for (const name of OPTION_NAMES)
      assert.equal((job as Record<string, unknown>)[optionSpec(name).field], SAMPLE[name]);
    assert.deepEqual(jobToWire(job), SAMPLE);
    const data = responsesFromObservations(lsat7(50));
    const body = JSON.parse(calibrateRequestJson(data, { ...job, model: '4PL', version: 'v', runId: 'r' }));
    for (const name of OPTION_NAMES) assert.equal(body[name], SAMPLE[name], name);
    // Unset options are not sent (the legacy R service reads model alone).
    const bare = JSON.parse(calibrateRequestJson(data, { model: '2PL', version: 'v', runId: 'r' }));
    for (const name of OPTION_NAMES) assert.ok(!(name in bare), name);
  });

  test('the job reads the options it takes from their variable and flag; a bad value names it', () => {
    for (const name of OPTION_NAMES) {
      const o = optionSpec(name);
      if (!o.job) continue;
      const fromEnv = loadConfig([], { [o.job.env]: String(SAMPLE[name]) }).options ?? {};
      assert.equal((fromEnv as Record<string, unknown>)[o.field], SAMPLE[name], o.job.env);
      const fromFlag = loadConfig([o.job.flag, String(SAMPLE[name])], { [o.job.env]: '{' }).options ?? {};
      assert.equal((fromFlag as Record<string, unknown>)[o.field], SAMPLE[name], o.job.flag);
      assert.throws(
        () => loadConfig([], { [o.job?.env as string]: '{' }),
        new RegExp(`^ConfigError: ${o.job.env}: `),
      );
      assert.ok(HELP.includes(o.job.env) && HELP.includes(o.job.flag), `${o.job.env} in --help`);
    }
  });

  test('fit takes each option under its declared flag', () => {
    for (const name of OPTION_NAMES)
      assert.match(FIT_HELP, new RegExp(`^  ${optionSpec(name).fitFlag} `, 'm'), name);
  });

  test('OpenAPI and the docs describe each option', () => {
    const props = SCHEMAS.CalibrateRequest.properties as Record<string, unknown>;
    const service = readFileSync(path.join(repoRoot, 'docs', 'service.md'), 'utf8');
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    for (const name of OPTION_NAMES) {
      assert.ok(props[name], `${name} in the OpenAPI request schema`);
      assert.ok(service.includes(`\`${name}\``), `${name} in docs/service.md`);
      const job = optionSpec(name).job;
      if (job) assert.ok(readme.includes(job.env), `${job.env} in README.md`);
    }
  });

  test('the names the contract accepts for score_method are the engine’s', () => {
    assert.deepEqual(CALIBRATION_OPTIONS.score_method.value.json.enum, SCORE_METHODS);
  });
});

describe('each surface’s defaults are the ones the schema declares', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'options-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // A 4PL, so that both priors apply; few cycles: the echo is the point, not the fit.
  const expectEcho = (spec: unknown, surface: 'fit' | 'unattended') => {
    for (const name of OPTION_NAMES) {
      const o = optionSpec(name);
      const want = name === 'max_cycles' ? 20 : o.defaults[surface];
      assert.equal(get(spec, o.echo), want, `${surface}: ${name} echoed at model_spec.${o.echo}`);
    }
  };

  test('unattended, the service: the weak priors', async () => {
    const out = await calibrateBody(
      { observations: lsat7(), model: '4PL', max_cycles: 20 },
      new LocalCalibrator(),
    );
    expectEcho(out.response.fit_meta.model_spec, 'unattended');
  });

  test('unattended, the job’s calibrator: the same', async () => {
    const calibrator = await createCalibrator(loadConfig([], { MIRT_MAX_CYCLES: '20' }));
    const out = await calibrator.calibrate(responsesFromObservations(lsat7()), {
      model: '4PL',
      version: 'v',
      runId: 'r',
    });
    expectEcho(out.fit_meta.model_spec, 'unattended');
  });

  test('fit: mirt’s unpenalised defaults (the built bin)', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    const out = path.join(dir, 'fit.json');
    const input = path.join(referenceDir, 'datasets', 'LSAT7.long.csv');
    const r = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, pkg.bin['mirt-calibrate']),
        'fit',
        '--input',
        input,
        '--model',
        '4PL',
        '--max-cycles',
        '20',
        '--output',
        out,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    expectEcho(JSON.parse(readFileSync(out, 'utf8')).fit_meta.model_spec, 'fit');
  });

  test('an option on a parameter the model lacks is echoed as null', async () => {
    const out = await calibrateBody({ observations: lsat7(200), model: '2PL' }, new LocalCalibrator());
    const spec = out.response.fit_meta.model_spec;
    assert.equal(spec.c_prior, null);
    assert.equal(spec.u_prior, null);
  });
});
