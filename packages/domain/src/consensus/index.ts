export * from './rule.ts';
export * from './suppression.ts';
