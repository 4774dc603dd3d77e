// FLEET_SCHEDULES: workers keep the sweep schedules unless it says off; anything else refuses to start.
import { testWorkerConfig } from '../api/support';

describe('FLEET_SCHEDULES', () => {
  it('is on unless set', () => {
    expect(testWorkerConfig().fleet.schedules).toBe(true);
    expect(testWorkerConfig({ FLEET_SCHEDULES: 'on' }).fleet.schedules).toBe(true);
  });

  it('off leaves the schedules to `npm run schedules` (and test stacks)', () => {
    expect(testWorkerConfig({ FLEET_SCHEDULES: 'off' }).fleet.schedules).toBe(false);
  });

  it('refuses any other value, naming the setting', () => {
    expect(() => testWorkerConfig({ FLEET_SCHEDULES: 'false' })).toThrow(/FLEET_SCHEDULES/);
  });
});
