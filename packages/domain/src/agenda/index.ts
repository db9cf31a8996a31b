export * from './stages.ts';
export * from './order.ts';
export * from './timer.ts';
