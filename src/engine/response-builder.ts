/**
 * Collects answers one at a time (from a CSV, a database COPY, a JSON body) into blocks of typed
 * arrays: a user index, an item index, 0/1 and, once any answer has one, a time. No object per
 * answer is made, and a block is never copied as the data grows (blocks of BLOCK_ROWS answers,
 * not one array doubled). `build()` (response-build.ts) applies the hygiene rules of DESIGN.md.
 *
 * Ids are numbered by an IdTable. By default the builder's own, a Map of strings (`add`); a reader
 * that meets ids as bytes numbers them with its own table (`useIdTables`) and passes the numbers
 * (`addIndexed`): a row then costs no string and no Map look-up.
 */

import {
  type AnswerBlocks,
  appendRows,
  BLOCK_BITS,
  BLOCK_ROWS,
  emptyBlocks,
  growBlocks,
  type IndexedRows,
  itemColumn,
  noteItems,
  putUser,
  timesOf,
} from './answer-blocks.js';
import { EngineInputError } from './errors.js';
import { buildResponses } from './response-build.js';
import {
  DEFAULT_MIN_ITEM_RESPONSES,
  type DuplicatePolicy,
  type IdTable,
  parseCorrect,
  type RawCorrect,
  type ResponseBuilderOptions,
  type ResponseData,
} from './response-types.js';

/** Ids by a Map of their strings. */
class StringIdTable implements IdTable {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  private last = '';
  private lastIndex = -1;
  internString(id: string): number {
    // Rows usually come grouped by user: the same id again skips the hash lookup.
    if (id === this.last) return this.lastIndex;
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(id);
      this.index.set(id, i);
    }
    this.last = id;
    this.lastIndex = i;
    return i;
  }
}

export class ResponseBuilder {
  private users: IdTable = new StringIdTable();
  private items: IdTable = new StringIdTable();
  private readonly blocks: AnswerBlocks = emptyBlocks();
  private lastUser = 0;
  /**
   * One more than the largest user (item) index stored so far. A stored index above it leaves
   * a gap, an id the table holds but no answer names (a row dropped after its ids were
   * numbered): build() then renumbers by first answer, as if only answers had been numbered.
   */
  private userEnd = 0;
  private itemEnd = 0;
  private gaps = false;
  private readonly policy: DuplicatePolicy;
  private readonly minItemResponses: number;
  private readonly keepDegenerate: boolean;
  private readonly dropped = {
    nullCorrect: 0,
    invalidCorrect: 0,
    missingId: 0,
    rejected: {} as Record<string, number>,
  };
  private rowsRead = 0;

  constructor(options: ResponseBuilderOptions = {}) {
    this.policy = options.duplicatePolicy ?? 'first';
    if (this.policy !== 'first' && this.policy !== 'last') {
      throw new EngineInputError(`bad duplicate policy "${String(this.policy)}": expected first or last`);
    }
    this.minItemResponses = options.minItemResponses ?? DEFAULT_MIN_ITEM_RESPONSES;
    this.keepDegenerate = options.keepDegenerateItems ?? false;
    if (!Number.isInteger(this.minItemResponses) || this.minItemResponses < 1) {
      throw new EngineInputError('minItemResponses must be an integer >= 1');
    }
  }

  /** Number of rows offered so far. */
  get size(): number {
    return this.rowsRead;
  }

  /**
   * Numbers the ids of `addIndexed` (and of `add`) by the caller's tables from now on. Only
   * before the first answer is stored: stored numbers belong to the tables they came from.
   */
  useIdTables(users: IdTable, items: IdTable): void {
    if (this.blocks.n > 0) throw new EngineInputError('useIdTables after answers were added');
    this.users = users;
    this.items = items;
  }

  /**
   * Adds one answer. `respondedAt` is a time in any monotone unit (epoch ms); omit it when
   * unknown, then arrival order decides between duplicates.
   */
  add(
    userId: string | null | undefined,
    itemId: string | null | undefined,
    correct: RawCorrect,
    respondedAt?: number,
  ): void {
    if (
      userId === null ||
      userId === undefined ||
      userId === '' ||
      itemId === null ||
      itemId === undefined ||
      itemId === ''
    ) {
      this.rowsRead++;
      this.dropped.missingId++;
      return;
    }
    const x = this.correctness(correct);
    if (x < 0) return;
    this.store(
      this.users.internString(String(userId)),
      this.items.internString(String(itemId)),
      x,
      respondedAt,
    );
  }

  /**
   * As `add`, with the ids given as indices into the tables of `useIdTables` (-1: no id; the
   * caller maps an empty id to -1). Hygiene is the same: a missing id, then a NULL or invalid
   * correctness, is counted and dropped.
   */
  addIndexed(user: number, item: number, correct: RawCorrect, respondedAt?: number): void {
    if (user < 0 || item < 0) {
      this.rowsRead++;
      this.dropped.missingId++;
      return;
    }
    let x: number;
    if (correct === 1 || correct === 0) {
      this.rowsRead++;
      x = correct;
    } else {
      x = this.correctness(correct);
      if (x < 0) return;
    }
    if (user >= this.users.ids.length || item >= this.items.ids.length) {
      throw new EngineInputError(`addIndexed: id index ${user} or ${item} is not in the id tables`);
    }
    this.store(user, item, x, respondedAt);
  }

  /**
   * As `addIndexed` for many rows, each with both ids and a 0/1 answer (times NaN where unknown,
   * each finite otherwise): a reader that numbered a batch of rows hands them over in one call.
   */
  addRows(rows: IndexedRows): void {
    const { user, item, n } = rows;
    let lastUser = this.lastUser;
    let grouped = this.blocks.grouped;
    let userEnd = this.userEnd;
    let itemEnd = this.itemEnd;
    let gaps = this.gaps;
    // Non-zero when an index is negative (its sign bit) or an answer is above 1.
    let bad = 0;
    for (let r = 0; r < n; r++) {
      const u = user[r];
      const i = item[r];
      bad |= ((u | i) >>> 31) | (rows.resp[r] >>> 1);
      if (u < lastUser) grouped = false;
      lastUser = u;
      if (u >= userEnd) {
        if (u > userEnd) gaps = true;
        userEnd = u + 1;
      }
      if (i >= itemEnd) {
        if (i > itemEnd) gaps = true;
        itemEnd = i + 1;
      }
    }
    if (bad !== 0 || userEnd > this.users.ids.length || itemEnd > this.items.ids.length) {
      throw new EngineInputError('addRows: an id index outside the id tables, or an answer not 0/1');
    }
    noteItems(this.blocks, itemEnd);
    appendRows(this.blocks, rows);
    this.rowsRead += n;
    this.blocks.grouped = grouped;
    this.lastUser = lastUser;
    this.userEnd = userEnd;
    this.itemEnd = itemEnd;
    this.gaps = gaps;
  }

  /** Counts a row the caller could not turn into an observation (it is reported, not fatal). */
  reject(reason: string): void {
    this.rowsRead++;
    this.dropped.rejected[reason] = (this.dropped.rejected[reason] ?? 0) + 1;
  }

  /** 0/1, or -1 when the answer is dropped (and counted); counts the row as read either way. */
  private correctness(correct: RawCorrect): number {
    this.rowsRead++;
    const x = parseCorrect(correct);
    if (x === null) {
      this.dropped.nullCorrect++;
      return -1;
    }
    if (x === undefined) {
      this.dropped.invalidCorrect++;
      return -1;
    }
    return x;
  }

  private store(user: number, item: number, x: number, respondedAt: number | undefined): void {
    const b = this.blocks;
    const at = b.n >>> BLOCK_BITS;
    const k = b.n & (BLOCK_ROWS - 1);
    if (at === b.resp.length || k === b.resp[at].length) growBlocks(b);
    noteItems(b, item + 1);
    putUser(b, at, k, user);
    itemColumn(b, at)[k] = item;
    b.resp[at][k] = x;
    if (respondedAt !== undefined && Number.isFinite(respondedAt))
      timesOf(b, at, k, respondedAt).put(k, respondedAt);
    else b.time[at]?.unknown(k, k + 1);
    b.n++;
    if (user < this.lastUser) b.grouped = false;
    this.lastUser = user;
    if (user >= this.userEnd) {
      if (user > this.userEnd) this.gaps = true;
      this.userEnd = user + 1;
    }
    if (item >= this.itemEnd) {
      if (item > this.itemEnd) this.gaps = true;
      this.itemEnd = item + 1;
    }
  }

  /**
   * Sorts by (user, item, arrival), keeps one answer per pair, excludes items that carry no
   * information (everyone right, everyone wrong), drops users left without answers, and
   * renumbers users and items densely in the order of their first answer.
   */
  build(): ResponseData {
    return buildResponses(this.blocks, {
      userIds: this.users.ids,
      itemIds: this.items.ids,
      renumber: this.gaps,
      policy: this.policy,
      keepDegenerate: this.keepDegenerate,
      hygiene: {
        rowsRead: this.rowsRead,
        rowsUsed: 0,
        dropped: {
          nullCorrect: this.dropped.nullCorrect,
          invalidCorrect: this.dropped.invalidCorrect,
          missingId: this.dropped.missingId,
          duplicate: 0,
          excludedItem: 0,
          rejected: { ...this.dropped.rejected },
        },
        duplicatePolicy: this.policy,
        minItemResponses: this.minItemResponses,
        excludedItems: [],
        usersWithoutResponses: 0,
      },
    });
  }
}
