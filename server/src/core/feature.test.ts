import { describe, expect, it } from 'vitest';
import { ClientEvents, ViewKind, type ClientEventName } from '@yishi/protocol';
import { FEATURES } from '../features/index.ts';
import { eventTable, viewRegistry, type Feature } from './feature.ts';

const names = Object.keys(ClientEvents) as ClientEventName[];

describe('feature registry', () => {
  it('handles every protocol event once and computes every view kind once, meeting first', () => {
    const table = eventTable(FEATURES, names);
    expect(Object.keys(table).sort()).toEqual([...names].sort());
    const views = viewRegistry(FEATURES);
    expect([...views.keys()]).toEqual(expect.arrayContaining(ViewKind.options));
    expect([...views.keys()][0]).toBe('meeting');
  });

  it('refuses to start with an event handled twice or not at all, or a view registered twice', () => {
    const dup: Feature = { name: 'dup', events: { 'meeting:leave': { action: null, handle: async () => null } } };
    expect(() => eventTable([...FEATURES, dup], names)).toThrow(/meeting:leave handled twice/);
    expect(() =>
      eventTable(
        FEATURES.filter((f) => f.name !== 'polls'),
        names,
      ),
    ).toThrow(/no feature handles .*ballot:cast/);
    const twice = FEATURES.find((f) => f.name === 'meetings')!;
    expect(() => viewRegistry([...FEATURES, { ...twice, name: 'again' }])).toThrow(/view meeting registered twice/);
  });

  it('declares an action for every event but leaving, and a target wherever an action is checked', () => {
    const table = eventTable(FEATURES, names);
    for (const name of names) {
      const spec = table[name];
      // Leaving a room of one's own socket (a meeting, an opinion thread) needs no authorisation.
      if (name === 'meeting:leave' || name === 'opinions:unfollow') expect(spec.action).toBeNull();
      else {
        expect(spec.action, name).not.toBeNull();
        expect(spec.target, name).toBeTypeOf('function');
      }
    }
  });
});
