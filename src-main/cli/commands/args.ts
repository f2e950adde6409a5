import { z } from 'zod';

/** Shared zod pieces for CLI arguments: counts arrive as strings and must be whole numbers. */
export const wholeNumber = (name: string, min: number, max: number) =>
  z
    .string({ error: `${name} is required` })
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`));

export const noPositionals = z.array(z.string()).max(0, 'this command takes no arguments');

export const onePositional = (what: string) =>
  z
    .array(z.string())
    .min(1, `${what} is required`)
    .max(1, `only one ${what} is expected`)
    .transform((a) => a[0]!);
