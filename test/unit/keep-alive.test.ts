// The heartbeat registry the keep-alive reads: it must repeat an activity's own progress, and a
// retry must see what its previous attempt left, or a resumed reboot or snapshot starts over.
import { Context } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { heartbeat, lastHeartbeatDetails, previousHeartbeat } from '../../activities/keep-alive';

describe('heartbeat registry', () => {
  it('remembers what the activity last heartbeated and still sends it', async () => {
    const env = new MockActivityEnvironment();
    const sent: unknown[] = [];
    env.on('heartbeat', (details: unknown) => sent.push(details));
    const remembered = await env.run(async () => {
      heartbeat({ step: 'reboot', actionId: 7, startedAt: 1 });
      return lastHeartbeatDetails(Context.current());
    });
    expect(remembered).toEqual({ step: 'reboot', actionId: 7, startedAt: 1 });
    expect(sent).toEqual([{ step: 'reboot', actionId: 7, startedAt: 1 }]);
  });

  it('before the first heartbeat of a retry, repeats what the previous attempt left', async () => {
    const left = { step: 'create_image', actionId: 9, imageId: 3, startedAt: 1 };
    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: left });
    const seen = await env.run(async () => ({ keepAlive: lastHeartbeatDetails(Context.current()), resume: previousHeartbeat() }));
    expect(seen).toEqual({ keepAlive: left, resume: left });
  });

  it('is a no-op outside an activity, so activities can be called directly', () => {
    expect(() => heartbeat({ step: 'x' })).not.toThrow();
    expect(previousHeartbeat()).toBeUndefined();
  });
});
