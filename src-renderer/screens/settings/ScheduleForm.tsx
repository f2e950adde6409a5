import { useEffect, useState, type FormEvent } from 'react';
import type { BackupConfigPatch } from '../../api/types';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatBytes, plural } from '../../format';
import { useSettings } from '../../store/settings';
import { useUi } from '../../store/ui';
import { GIB, KEEP_TIERS, MIB, mergeDraft, toDraft, type Draft, type KeepTier } from './schedule-draft';

const KEEP_LABELS: Record<KeepTier, string> = {
  auto: 'Frequent',
  hourly: 'Hourly',
  daily: 'Daily',
  weekly: 'Weekly',
  startup: 'At start-up',
  manual: 'Manual',
};
const SCHEDULE_TIERS = ['auto', 'hourly', 'daily', 'weekly', 'startup'] as const;
const SCHEDULE_LABELS: Record<(typeof SCHEDULE_TIERS)[number], string> = {
  auto: 'Frequent backups',
  hourly: 'Hourly backups',
  daily: 'Daily backups',
  weekly: 'Weekly backups',
  startup: 'A backup at start-up',
};
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function whole(label: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw new Error(`${label} must be a whole number from ${min} to ${max}.`);
  return n;
}

function decimal(label: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw new Error(`${label} must be a number from ${min} to ${max}.`);
  return n;
}

function NumberField(props: {
  id: string;
  label: string;
  value: string;
  hint?: string;
  onChange: (v: string) => void;
  step?: string;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="number"
        inputMode="decimal"
        min={0}
        step={props.step ?? '1'}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
      />
      {props.hint && (
        <span className="hint" id={`${props.id}-hint`}>
          {props.hint}
        </span>
      )}
    </div>
  );
}

export function ScheduleForm() {
  const { config, saving, saveError, prune, save } = useSettings();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [base, setBase] = useState<Draft | null>(null);
  const [formError, setFormError] = useState<string | null>(null);

  // Whenever the saved configuration changes (load, save, restore, import), the form follows it,
  // but a field the person has edited and not saved keeps their value: a reload set off by an
  // unrelated event (a backup finished, an import elsewhere) must not undo their typing.
  useEffect(() => {
    if (!config) return;
    const next = toDraft(config);
    setDraft((current) => (current && base ? mergeDraft(base, current, next) : next));
    setBase(next);
  }, [config]);

  if (!config || !draft) {
    return (
      <section className="card" aria-labelledby="schedule-heading">
        <h2 id="schedule-heading">Schedule and retention</h2>
        <p className="muted">Loading…</p>
      </section>
    );
  }
  const d = draft;
  const set = (patch: Partial<Draft>) => setDraft({ ...d, ...patch });

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    let patch: BackupConfigPatch;
    try {
      patch = {
        enabled: d.enabled,
        autoIntervalMinutes: whole('Minutes between frequent backups', d.autoIntervalMinutes, 1, 1440),
        weeklyDay: d.weeklyDay,
        drillIntervalDays: whole('Days between test restores', d.drillIntervalDays, 0, 365),
        tiers: d.tiers,
        retention: {
          keep: Object.fromEntries(
            KEEP_TIERS.map((t) => [t, whole(`${KEEP_LABELS[t]} backups to keep`, d.keep[t], 0, 100_000)]),
          ) as Record<KeepTier, number>,
          maxAgeDays: d.maxAgeDays.trim() === '' ? null : whole('Maximum age', d.maxAgeDays, 1, 36_500),
          maxTotalBytes:
            d.maxTotalGiB.trim() === '' ? null : Math.round(decimal('Size limit', d.maxTotalGiB, 0, 1_000_000) * GIB),
          minFreeBytes: Math.round(decimal('Free space to keep', d.minFreeMiB, 0, 100_000_000) * MIB),
          minFreeRatio: decimal('Free space to keep (percent)', d.minFreePercent, 0, 90) / 100,
        },
      };
    } catch (err) {
      setFormError((err as Error).message);
      return;
    }
    if (await save(patch)) useUi.getState().notify('ok', 'Backup schedule and retention saved.');
  }

  return (
    <form className="card" aria-labelledby="schedule-heading" onSubmit={(e) => void submit(e)} noValidate>
      <h2 id="schedule-heading">Schedule and retention</h2>
      <fieldset>
        <legend>Schedule</legend>
        <div className="form-grid">
          <label className="check">
            <input type="checkbox" checked={d.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
            Back up automatically
          </label>
          {SCHEDULE_TIERS.map((t) => (
            <label className="check" key={t}>
              <input
                type="checkbox"
                checked={d.tiers[t]}
                disabled={!d.enabled}
                onChange={(e) => set({ tiers: { ...d.tiers, [t]: e.target.checked } })}
              />
              {SCHEDULE_LABELS[t]}
            </label>
          ))}
        </div>
        <div className="form-grid spaced tall-labels">
          <NumberField
            id="auto-interval"
            label="Minutes between frequent backups"
            value={d.autoIntervalMinutes}
            onChange={(v) => set({ autoIntervalMinutes: v })}
            hint="Skipped when nothing changed."
          />
          <div className="field">
            <label htmlFor="weekly-day">Weekly backup on</label>
            <select id="weekly-day" value={d.weeklyDay} onChange={(e) => set({ weeklyDay: Number(e.target.value) })}>
              {DAYS.map((day, i) => (
                <option key={day} value={i}>
                  {day}
                </option>
              ))}
            </select>
          </div>
          <NumberField
            id="drill-interval"
            label="Days between test restores"
            value={d.drillIntervalDays}
            onChange={(v) => set({ drillIntervalDays: v })}
            hint="0 turns them off."
          />
        </div>
      </fieldset>
      <fieldset>
        <legend>How many to keep</legend>
        <div className="form-grid">
          {KEEP_TIERS.map((t) => (
            <NumberField
              key={t}
              id={`keep-${t}`}
              label={KEEP_LABELS[t]}
              value={d.keep[t]}
              onChange={(v) => set({ keep: { ...d.keep, [t]: v } })}
            />
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Limits</legend>
        <div className="form-grid tall-labels">
          <NumberField
            id="max-age"
            label="Maximum age (days)"
            value={d.maxAgeDays}
            onChange={(v) => set({ maxAgeDays: v })}
            hint="Empty for no limit. Pinned and the newest good backup always stay."
          />
          <NumberField
            id="max-total"
            label="Size limit for all backups (GB)"
            value={d.maxTotalGiB}
            step="0.1"
            onChange={(v) => set({ maxTotalGiB: v })}
            hint="Empty for no limit."
          />
          <NumberField
            id="min-free"
            label="Always leave free (MB)"
            value={d.minFreeMiB}
            onChange={(v) => set({ minFreeMiB: v })}
          />
          <NumberField
            id="min-free-percent"
            label="Always leave free (% of disk)"
            value={d.minFreePercent}
            step="0.5"
            onChange={(v) => set({ minFreePercent: v })}
          />
        </div>
      </fieldset>
      {prune && (
        <p className="muted small" aria-live="polite">
          {prune.remove.length === 0
            ? 'With these rules nothing needs tidying right now.'
            : `With these rules, ${plural(prune.remove.length, 'old backup')} (${formatBytes(prune.freedBytes)}) will be removed at the next tidy-up.`}
          {prune.warnings.length > 0 ? ` ${prune.warnings.join(' ')}` : ''}
        </p>
      )}
      {formError && (
        <div className="alert alert-error" role="alert">
          <strong>Check the form</strong>
          <span>{formError}</span>
        </div>
      )}
      <ErrorNotice error={saveError} title="The settings were not saved" />
      <div className="btn-row">
        <button type="submit" className="btn btn-primary" disabled={saving}>
          Save schedule
        </button>
        <button type="button" className="btn" disabled={saving} onClick={() => setDraft(toDraft(config))}>
          Discard changes
        </button>
      </div>
    </form>
  );
}
