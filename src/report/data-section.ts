/**
 * The data section: what was read, what reached the model, and every answer or item left out and
 * why, in words. Reads either hygiene shape: the engine's (`dropped: {nullCorrect, ...}`) or the
 * job's (flat `null_correct`, ..., written to mirt_fit_meta).
 */
import { count, escapeHtml, finite, type Obj, obj, show } from './format.js';

/** Counted row kinds in words; `{policy}` is the duplicate policy. */
const DROPPED: Record<string, string> = {
  nullCorrect: 'answers with no correctness value (NULL): dropped, not counted as wrong',
  null_correct: 'answers with no correctness value (NULL): dropped, not counted as wrong',
  invalidCorrect: 'answers with an invalid correctness value (not 0/1 or true/false)',
  invalid_correct: 'answers with an invalid correctness value (not 0/1 or true/false)',
  missingId: 'answers without a learner or item id',
  missing_id: 'answers without a learner or item id',
  duplicate: 'repeated answers of a learner to the same item (the {policy} one kept)',
  excludedItem: 'answers to excluded items (below)',
  excluded_item_answers: 'answers to excluded items (below)',
};

/** Rows rejected before the builder (files/csv-responses.ts, data/extract.ts, service/request-data.ts). */
const REJECTED: Record<string, string> = {
  short_row: 'rows with too few columns',
  long_row: 'rows with too many columns',
  unterminated_quote: 'rows with an unterminated quote',
  text_after_quote: 'rows with text after a closing quote',
  line_break_in_field: 'rows with a line break inside a field',
  unparsable_result_json: 'exam results whose JSON could not be read',
  result_json_without_questions: 'exam results without questions',
  bad_question_entry: 'exam result entries that are not answers',
  invalid_question_id: 'answers with an invalid question id',
  not_an_object: 'observations that are not objects',
  invalid_id: 'observations with an invalid id',
};

const EXCLUDED: Record<string, string> = {
  all_correct: 'everyone answered it right',
  all_wrong: 'everyone answered it wrong',
  too_few_responses: 'fewer answers than the minimum',
  slope_diverged: 'its slope diverged (few, perfectly separated answers)',
  not_returned: "sent, but not in the calibrator's answer",
};

function words(key: string): string {
  return key.replace(/_/g, ' ');
}

/** [description, count] of every kind of dropped row with a positive count. */
export function droppedRows(h: Obj): [string, number][] {
  const src = typeof h.dropped === 'object' && h.dropped !== null ? obj(h.dropped) : h;
  const policy = h.duplicate_policy ?? h.duplicatePolicy ?? 'first';
  const out: [string, number][] = [];
  for (const [k, text] of Object.entries(DROPPED)) {
    const v = src[k];
    if (finite(v) && v > 0) out.push([text.replace('{policy}', String(policy)), v]);
  }
  for (const [k, v] of Object.entries(obj(src.rejected)))
    if (finite(v) && v > 0) out.push([REJECTED[k] ?? `rows rejected: ${words(k)}`, v]);
  return out;
}

export function dataSection(h: Obj, nObs: unknown): string {
  const rows: [string, string][] = [];
  const read = h.rows_read ?? h.rowsRead;
  const used = h.rows_used ?? h.rowsUsed ?? nObs;
  if (finite(read)) rows.push(['answers read', count(read)]);
  if (finite(used)) rows.push(['answers that reached the model', count(used)]);
  for (const [text, n] of droppedRows(h)) rows.push([text, count(n)]);
  const without = h.users_without_responses ?? h.usersWithoutResponses;
  if (finite(without) && without > 0)
    rows.push(['learners left without answers once items were excluded (not scored)', count(without)]);
  const table = rows.length
    ? `<table class="facts"><caption>Answers read and left out</caption><thead><tr><th scope="col">what</th><th scope="col">count</th></tr></thead><tbody>${rows
        .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${v}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p>The result does not say what was read or left out.</p>';
  const excluded = (Array.isArray(h.excluded_items) ? h.excluded_items : []).map(obj);
  const list = excluded.length
    ? `<table class="facts"><caption>Items left out (${count(excluded.length)})</caption><thead><tr><th scope="col">item</th><th scope="col">why</th><th scope="col">answers</th></tr></thead><tbody>${excluded
        .map(
          (x) =>
            `<tr><th scope="row">${escapeHtml(show(x.id))}</th><td>${escapeHtml(EXCLUDED[String(x.reason)] ?? words(show(x.reason)))}</td><td>${count(x.n)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p>No item was left out.</p>';
  return `<section id="data"><h2>Data</h2>${table}${list}</section>`;
}
