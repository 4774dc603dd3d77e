// "Write this record first" (revision 4 of the operation workflows, workflows/operation-activities.ts):
// an activity whose input carries `recordFirst` gets that read-model record written through the
// records activity before it runs, so the "operation started" row costs no activity of its own.
// The write is idempotent by the record's event key (records.ts: a key already written changes
// nothing), so every attempt of the activity may repeat it. The activity itself never sees the
// field. A failed write fails the attempt, which the activity's policy retries.
import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { RecordFirst, TransitionRecord } from '../workflows/transition-record';
import { createRecordActivities, type RecordDeps } from './records';

export interface TransitionWriter {
  recordTransition(record: TransitionRecord): Promise<void>;
}

export function recordFirstInterceptor(records: TransitionWriter): ActivityInterceptorsFactory {
  return (context) => ({
    inbound: {
      async execute(input, next) {
        const [first, ...rest] = input.args;
        if (!carriesRecord(first)) return next(input);
        const { recordFirst, ...own } = first;
        try {
          await records.recordTransition(recordFirst);
        } catch (error) {
          throw ApplicationFailure.create({
            type: 'Postgres.record_first',
            message: `writing "${recordFirst.event.message}" (${recordFirst.event.kind}) to the read model before ${context.info.activityType} failed: ${error instanceof Error ? error.message : String(error)}`,
            nonRetryable: false,
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
