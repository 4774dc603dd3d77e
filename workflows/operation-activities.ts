// The activity proxies of one operation child (activity-proxies.ts's, with its timings). From
// revision 4 the entity no longer runs an activity of its own to write "operation started": it
// builds the record and passes it in OperationInput.started, and the child hands it to the FIRST
// activity it calls, whichever that is, as `recordFirst` on that activity's input (visible in the
// Web UI). The worker's interceptor (activities/record-first.ts) writes it before the activity
// runs. Children do nothing for it by hand: every call through these proxies, direct or with
// `.executeWithOptions`, goes through one wrapper, and the first call whose input is a plain object
// (every activity's is) carries the record. A call made in a scope already cancelled schedules
// nothing, so the record then rides on no activity; the entity's write below covers that.
//
// Which call is first is deterministic (calls schedule their activity synchronously, in code
// order), so a replay attaches it to the same activity. A child that fails before it schedules any
// activity (no server recorded, cancelled first), whose first activity never ran, or whose write
// of it failed (the interceptor logs that and runs the activity): the entity's next write carries
// the same record as its own `recordFirst` (instance-workflow.ts), and recordTransition writes it
// first in that write's transaction, once by event key: "started" reaches the read model with the
// entity's next write at the latest, and a late copy (a stale attempt) changes nothing after it.
import { activitiesFor, type ActivityProxies } from './activity-proxies';
import type { OperationInput } from './domain';
import { revisionOf } from './revisions';
import type { RecordFirst, TransitionRecord } from './transition-record';

type Activity = ((...args: unknown[]) => Promise<unknown>) & { executeWithOptions(options: unknown, args: unknown[]): Promise<unknown> };

// One set of proxies per child run (its input object), so "first" spans every helper that asks.
const perChild = new WeakMap<OperationInput, ActivityProxies>();

/** The child's activity proxies; from revision 4 the first call carries `input.started`. */
export function operationActivities(input: OperationInput): ActivityProxies {
  const plain = activitiesFor(input.timings);
  const { started } = input;
  if (revisionOf(input) < 4 || !started) return plain;
  let proxies = perChild.get(input);
  if (!proxies) perChild.set(input, (proxies = handingOnFirst(plain, started)));
  return proxies;
}

function handingOnFirst(plain: ActivityProxies, record: TransitionRecord): ActivityProxies {
  let handedOn = false;
  const attach = (args: unknown[]): unknown[] => {
    const [first, ...rest] = args;
    // Spread into anything but a plain object (an array, a class instance, none), the input would change shape.
    if (handedOn || !isPlainObject(first)) return args;
    handedOn = true;
    return [{ ...first, recordFirst: record } satisfies RecordFirst, ...rest];
  };
  const wrap = (activity: Activity): Activity =>
    Object.assign((...args: unknown[]) => activity(...attach(args)), {
      executeWithOptions: (options: unknown, args: unknown[]) => activity.executeWithOptions(options, attach(args)),
    });
  const policy = (activities: object) =>
    new Proxy(activities, {
      get: (target, name) => wrap(Reflect.get(target, name) as Activity),
    });
  return Object.fromEntries(Object.entries(plain).map(([name, activities]) => [name, policy(activities)])) as ActivityProxies;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
