// "Write this record first" (revision 4 of the operation workflows, workflows/operation-activities.ts):
// an activity whose input carries `recordFirst` gets that read-model record written through the
// records activity before it runs, so the "operation started" row costs no activity of its own.
// The write is once per event key (records.ts), so every attempt of the activity may repeat it.
// The activity itself never sees the field.
//
// A failed write is logged and the activity runs anyway: the entity's next write (the end, or
// attention) carries the same record and recordTransition writes it first, in that write's own
// transaction. Failing the activity instead would spend a provider step's retry budget on a
// Postgres blip (a stopServer sent to attention because "started" could not be written).
// recordTransition itself (the entity's write carrying the record) is passed through whole: it
// writes the record atomically with its own.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { RecordFirst, TransitionRecord } from '../workflows/transition-record';
import { createRecordActivities, type RecordDeps } from './records';

export interface TransitionWriter {
  recordTransition(record: TransitionRecord): Promise<void>;
}

/** Activities that write `recordFirst` themselves, in the same transaction as their own record. */
const WRITES_ITS_OWN_RECORD_FIRST = new Set(['recordTransition']);

export function recordFirstInterceptor(records: TransitionWriter): ActivityInterceptorsFactory {
  return (context) => ({
    inbound: {
      async execute(input, next) {
        const [first, ...rest] = input.args;
        if (!carriesRecord(first) || WRITES_ITS_OWN_RECORD_FIRST.has(context.info.activityType)) return next(input);
        const { recordFirst, ...own } = first;
        try {
          await records.recordTransition(recordFirst);
        } catch (error) {
          context.log.warn(`writing "${recordFirst.event.message}" to the read model before ${context.info.activityType} failed; running it anyway (the entity's next write carries the record)`, {
            instanceId: recordFirst.instanceId,
            operationId: recordFirst.currentOperationId ?? recordFirst.operations?.[0]?.request.operationId,
            eventKind: recordFirst.event.kind,
            eventKey: recordFirst.event.key,
            error: error instanceof Error ? error.message : String(error),
          });
        }
        return next({ ...input, args: [own, ...rest] });
      },
    },
  });
}

/** The worker's: records written to its database. */
export const recordFirstFromDatabase = (deps: RecordDeps): ActivityInterceptorsFactory => recordFirstInterceptor(createRecordActivities(deps));

function carriesRecord(arg: unknown): arg is Record<string, unknown> & Required<RecordFirst> {
  return typeof arg === 'object' && arg !== null && 'recordFirst' in arg && typeof (arg as RecordFirst).recordFirst === 'object' && (arg as RecordFirst).recordFirst !== null;
}
