// Builders for contract messages used across the tests.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { TaskEventSchema, type TaskEvent } from "../gen/devserver/events/v1/events_pb";

export type EventKind = MessageInitShape<typeof TaskEventSchema>["kind"];

export function event(sequence: number, kind?: EventKind, taskId = 7n): TaskEvent {
  return create(TaskEventSchema, {
    taskId,
    sequence: BigInt(sequence),
    position: BigInt(1000 + sequence),
    attempt: 1,
    time: timestampFromMs(Date.UTC(2026, 10, 21, 8, 0, sequence % 60)),
    kind: kind ?? { case: "outputLine", value: { source: 1, text: `line ${sequence}` } },
  });
}
