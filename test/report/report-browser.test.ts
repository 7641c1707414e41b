/**
 * The report of a real run, in a real browser. Two nights of the nightly job (real engine, on
 * PGlite) on simulated answers to a 60-item bank, 20 answers per learner (incomplete data); the
 * second night linked to the first (MIRT_LINK=previous) after two items became easier. The HTML
 * the job wrote is checked for what must be in it, then opened in headless Chromium: no console
 * errors, no request leaving the file, every section and chart present with a non-zero size, and
 * a screenshot saved (its path printed). Without Chromium the browser part is skipped, saying so.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { LinkConfig } from '../../src/job/link-run.js';
import { runJob } from '../../src/job/run-job.js';
import { setupPglite, useBackend } from '../helpers/backends.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import { leakedItems, type NightSpec, nightAnswers } from '../helpers/nights.js';
import { createAttemptView } from '../helpers/platform.js';
import { chromiumMissing, launchChromium } from './chromium.js';

const SPEC: NightSpec = { items: 60, learners: 1500, perLearner: 40, seed: 515 };
const DAY = 86_400_000;
const LINK: LinkConfig = { mode: 'previous', method: 'stocking-lord', driftZ: 3.5, driftShift: 0.3 };
const out = mkdtempSync(path.join(tmpdir(), 'mirt-report-browser-'));

describe('the report of a linked nightly run', () => {
  const ctx = useBackend(setupPglite);
  let file = '';
  let html = '';

  before(async () => {
    const fx = ctx.fx;
    if (!fx) return;
    await createAttemptView(fx.db, 'integer');
    const start = Date.now();
    for (const [night, k] of [0, 3].entries()) {
      if (night > 0)
        await fx.db.query("UPDATE attempt_log SET completed_at = completed_at - interval '30 days'");
      const { answers } = nightAnswers(SPEC, k);
      const now = start + night * 30 * DAY;
      await fx.db.transaction((tx) =>
        tx.bulkInsert('attempt_log', [
          { name: 'student_id', type: 'integer', values: answers.map((x) => x.user) },
          { name: 'question_id', type: 'integer', values: answers.map((x) => x.item) },
          { name: 'is_correct', type: 'boolean', values: answers.map((x) => (x.correct ? 't' : 'f')) },
          {
            name: 'completed_at',
            type: 'timestamptz',
            values: answers.map((x) => new Date(Date.now() - x.daysAgo * DAY).toISOString()),
          },
        ]),
      );
      const io = captureIo();
      const o = await runJob(
        jobConfig({ link: LINK, topicId: null, reportPath: path.join(out, 'report-{version}.html') }),
        { io, openDb: () => fx.openForJob(), now: () => new Date(now) },
      );
      assert.equal(o.exitCode, 0, io.errors.join('\n'));
      file = path.join(out, `report-${o.version}.html`);
    }
    html = readFileSync(file, 'utf8');
  });

  it('says where the answers came from, headlines the empirical reliability, and shows the linking', (t) => {
    if (!ctx.fx) return t.skip(ctx.skip);
    // The job's source and window (before: not in the report at all).
    assert.match(
      html,
      /<dt>source<\/dt><dd>attempt[^<]*; last 30 days; no topic or subject filter; calibrated in-process<\/dd>/,
    );
    // Incomplete data: the empirical reliability is the headline, the marginal one explained beside it.
    assert.match(html, /<span class="big">0\.\d{3}<\/span> empirical reliability/);
    assert.match(
      html,
      /Marginal reliability 0\.\d{3}: that of the whole bank of 60 items answered by every learner; learners answered a median of 40 items each/,
    );
    assert.match(html, /information of a typical form: 40 items, the median number of answers per learner/);
    // The job's report has the linking section (before: model_spec.linking_constants never reached it).
    assert.match(html, /<h2 id="linking">Linking and drift<\/h2>/);
    assert.match(html, /method stocking-lord onto /);
    // The two items made easier on the second night are in the drift table and red in the plot.
    for (const j of leakedItems(SPEC))
      assert.match(html, new RegExp(`<tr class="flagged"><th scope="row">${j}</th>`));
    assert.equal((html.match(/<circle [^>]*class="drift"/g) ?? []).length, 2);
    for (const j of leakedItems(SPEC))
      assert.match(
        html,
        new RegExp(
          `<a href="#item-${j}">${j}</a></th>\\n<td class="flags">[^<]*drifted since the reference run`,
        ),
      );
    // Observed proportions by ability group over each curve: one dot path per item.
    assert.equal((html.match(/class="obs"/g) ?? []).length, SPEC.items);
  });

  it('renders in headless Chromium: no console errors, nothing fetched, every section and chart drawn', async (t) => {
    if (!ctx.fx) return t.skip(ctx.skip);
    const missing = chromiumMissing();
    if (missing) return t.skip(missing);
    const { context, close } = await launchChromium();
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load' });
      assert.deepEqual(problems, []);
      assert.deepEqual(
        requests.filter((u) => u !== url),
        [],
        'the page fetches nothing',
      );

      const size = (selector: string) =>
        page.evaluate((sel) => {
          const el = document.querySelector(sel);
          if (!el) return null;
          const r = el.getBoundingClientRect();
          return { w: r.width, h: r.height };
        }, selector);
      for (const sel of [
        'header .headline',
        '#data table',
        '#test',
        '#chart-information',
        '#chart-ability',
        '#chart-wright',
        '#chart-item-information',
        'section.linking',
        '#chart-drift',
        '#items table.items',
        '#curves .curves',
      ]) {
        const s = await size(sel);
        assert.ok(s && s.w > 0 && s.h > 0, `${sel}: ${JSON.stringify(s)}`);
      }
      // Each chart has titled axes, and something drawn inside its frame.
      const charts = await page.evaluate(() =>
        [...document.querySelectorAll('svg.chart')].map((svg) => ({
          id: svg.id,
          titles: svg.querySelectorAll('text.title').length,
          drawn: [...svg.querySelectorAll('path:not(.axis), circle')].filter((p) => {
            const b = (p as SVGGraphicsElement).getBBox();
            return b.width > 0 || b.height > 0;
          }).length,
        })),
      );
      assert.equal(charts.length, 5, JSON.stringify(charts));
      for (const c of charts) {
        assert.ok(c.titles >= 2, `${c.id}: axis titles`);
        assert.ok(c.drawn > 0, `${c.id}: nothing drawn`);
      }
      // The standard error has its own (right-hand) axis.
      assert.equal(
        await page.locator('#chart-information .se-title').textContent(),
        'standard error of theta',
      );
      // Every item's curve is drawn at full size (60 items: not folded).
      const curves = await page.evaluate(() =>
        [...document.querySelectorAll('figure.item svg')].map((s) => s.getBoundingClientRect().width),
      );
      assert.equal(curves.length, SPEC.items);
      assert.ok(curves.every((w) => w > 0));
      // Tables: a caption, a head, and scoped header cells.
      const tables = await page.evaluate(() =>
        [...document.querySelectorAll('table')].map((tb) => ({
          caption: tb.caption?.textContent ?? '',
          head: tb.tHead !== null,
          unscoped: tb.querySelectorAll('th:not([scope])').length,
        })),
      );
      for (const tb of tables) {
        assert.ok(tb.caption.length > 0 && tb.head && tb.unscoped === 0, JSON.stringify(tb));
      }

      const shot = path.join(out, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      t.diagnostic(`screenshot: ${shot}`);
      console.log(`report screenshot: ${shot} (report: ${file})`);
    } finally {
      await close();
    }
  });
});
