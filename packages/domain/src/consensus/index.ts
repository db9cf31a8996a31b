export * from './rule.ts';
export * from './suppression.ts';
export * from './rule-check.ts';
export * from './live.ts';
