export * from './rules.ts';
export * from './digest.ts';
export * from './thread.ts';
export * from './links.ts';
