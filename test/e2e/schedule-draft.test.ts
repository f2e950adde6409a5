import { describe, expect, it } from 'vitest';
import { backupConfigSchema } from '../../src-main/snapshots/config';
import { mergeDraft, toDraft } from '../../src-renderer/screens/settings/schedule-draft';

/** The schedule form follows reloads of the saved configuration without undoing unsaved typing. */
describe('schedule form draft', () => {
  const saved = backupConfigSchema.parse({});

  it('keeps an unsaved edit when an unrelated reload arrives', () => {
    const base = toDraft(saved);
    const typed = { ...base, keep: { ...base.keep, daily: '8' } };
    const merged = mergeDraft(base, typed, toDraft(backupConfigSchema.parse({})));
    expect(merged.keep.daily).toBe('8');
    expect(merged).toEqual({ ...base, keep: { ...base.keep, daily: '8' } });
  });

  it('takes every changed saved value for the fields the person did not touch', () => {
    const base = toDraft(saved);
    const typed = { ...base, autoIntervalMinutes: '20', tiers: { ...base.tiers, hourly: false } };
    const imported = backupConfigSchema.parse({
      autoIntervalMinutes: 30,
      weeklyDay: 3,
      tiers: { daily: false },
      retention: { keep: { daily: 9 }, maxAgeDays: null },
    });
    const merged = mergeDraft(base, typed, toDraft(imported));
    expect(merged.autoIntervalMinutes).toBe('20');
    expect(merged.tiers).toEqual({ ...base.tiers, hourly: false, daily: false });
    expect(merged.weeklyDay).toBe(3);
    expect(merged.keep.daily).toBe('9');
    expect(merged.maxAgeDays).toBe('');
  });

  it('after a save the form equals what was saved', () => {
    const base = toDraft(saved);
    const typed = { ...base, keep: { ...base.keep, daily: '13' } };
    const after = toDraft(backupConfigSchema.parse({ retention: { keep: { daily: 13 } } }));
    expect(mergeDraft(base, typed, after)).toEqual(after);
  });
});
