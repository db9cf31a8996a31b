export * from './meeting-state.ts';
export * from './quorum.ts';
export * from './permissions.ts';
export * from './groups.ts';
export * from './join-code.ts';
export * from './presence.ts';
export * from './polls/index.ts';
export * from './attendance.ts';
