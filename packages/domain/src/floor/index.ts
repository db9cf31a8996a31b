export * from './queue.ts';
export * from './balance.ts';
export * from './countdown.ts';
