/** Ids numbered by the caller, as a reader of bytes would (ResponseBuilder.useIdTables): here a Map, numbered on sight. */
import type { IdTable } from '../../src/engine/responses.js';

export class CallerTable implements IdTable {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  internString(id: string): number {
    let k = this.index.get(id);
    if (k === undefined) {
      k = this.ids.length;
      this.ids.push(id);
      this.index.set(id, k);
    }
    return k;
  }
}
