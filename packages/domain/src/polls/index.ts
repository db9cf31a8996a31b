export * from './validate-ballot.ts';
export * from './option-keys.ts';
export * from './tally.ts';
export * from './irv.ts';
export * from './outcome.ts';
export * from './anonymity.ts';
export * from './compact-tally.ts';
export * from './in-room-voters.ts';
