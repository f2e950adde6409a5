// The contract's pure half: safe to import from the renderer (only zod, no Node modules).
export * from './schemas';
export * from './operations';
export * from './operation-names';
export * from './events';
export * from './errors';
export * from './client';
export type * from './types';
