// The task's timeline: events in sequence order, each turned into a row once, with the filters the view offers.
import type { TaskEvent } from "../gen/devserver/events/v1/events_pb";
import { toEventRow, type EventRow } from "./eventModel";

export type TimelineFilter = "all" | "no-output" | "problems";

export class Timeline {
  private readonly rows: EventRow[] = [];
  private last = 0n;
  private filtered = new Map<TimelineFilter, EventRow[]>();

  /** The sequence of the last event taken in (the stream resumes after it). */
  get lastSequence(): bigint {
    return this.last;
  }

  get size(): number {
    return this.rows.length;
  }

  /** Adds events in order; anything at or below the last sequence is a duplicate and ignored. Returns how many were new. */
  append(events: readonly TaskEvent[]): number {
    let added = 0;
    for (const e of events) {
      if (e.sequence <= this.last) {
        continue;
      }
      this.last = e.sequence;
      const row = toEventRow(e);
      this.rows.push(row);
      added++;
      // Keep cached filtered views current incrementally instead of refiltering 10 000 rows per batch.
      for (const [filter, list] of this.filtered) {
        if (matches(filter, row)) {
          list.push(row);
        }
      }
    }
    return added;
  }

  view(filter: TimelineFilter): readonly EventRow[] {
    if (filter === "all") {
      return this.rows;
    }
    let list = this.filtered.get(filter);
    if (list === undefined) {
      list = this.rows.filter((r) => matches(filter, r));
      this.filtered.set(filter, list);
    }
    return list;
  }
}

export function matches(filter: TimelineFilter, row: EventRow): boolean {
  switch (filter) {
    case "all":
      return true;
    case "no-output":
      return row.kind !== "output";
    case "problems":
      return row.tone === "error" || row.tone === "warn";
  }
}
