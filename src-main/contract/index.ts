// The contract: pure zod and itself, safe for the renderer. Its main-process half is src-main/operations/.
export * from './schemas';
export * from './continuous-schemas';
export * from './error-codes';
export * from './operations';
export * from './operation-names';
export * from './events';
export * from './errors';
export * from './client';
export type * from './types';
