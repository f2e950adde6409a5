import { create } from 'zustand';
import { api } from '../api/client';
import { readableError, type ReadableError } from '../api/errors';
import type { Output } from '../api/types';
import { fromLocalInput, rangeAt, type PointsListing } from '../moment-format';
import { useRestore } from './restore';

export type MomentPreview = Output<'previewMoment'>;

/** Typing in the picker changes the value every keystroke; a preview reads a whole copy, so wait. */
const PREVIEW_DELAY_MS = 400;

interface MomentState {
  listing: PointsListing | null;
  loadError: ReadableError | null;
  /** The picker's text as typed, so a half-typed value is never overwritten. */
  input: string;
  /** The moment the input names (the end of its second), or null while it names none. */
  at: number | null;
  /** True from the first keystroke until the preview for the latest value arrives. */
  previewing: boolean;
  preview: MomentPreview | null;
  previewError: ReadableError | null;
  restoreError: ReadableError | null;
  /** Rows per table in the data now, to set the preview against (null until read). */
  now: Record<string, number> | null;
  restoring: boolean;
  load(): Promise<void>;
  choose(input: string): void;
  retryPreview(): void;
  restore(): Promise<void>;
}

let timer: ReturnType<typeof setTimeout> | null = null;
let inFlight = false;
/** The moment asked for while another preview was still being read; only the newest counts. */
let queued: number | null = null;

/** A refusal worded like the host's, so the advice table explains what to do. */
function refusal(code: 'no_point_at_time' | 'invalid_time', message: string): ReadableError {
  return readableError({ code, message });
}

/** What is wrong with a moment before asking the host, or null when it can be previewed. */
function checkMoment(listing: PointsListing | null, input: string, at: number | null): ReadableError | null {
  if (!input) return null;
  if (at === null) return refusal('invalid_time', 'That is not a complete date and time.');
  const ranges = listing?.continuous ?? [];
  if (ranges.length === 0) return refusal('no_point_at_time', 'Continuous protection has recorded nothing yet.');
  if (!rangeAt(ranges, at)) return refusal('no_point_at_time', 'That is before continuous protection started.');
  if (at > Date.now() + 1000) return refusal('invalid_time', 'That time is in the future.');
  return null;
}

export const useMoment = create<MomentState>()((set, get) => {
  async function runPreview(at: number): Promise<void> {
    if (inFlight) {
      queued = at;
      return;
    }
    inFlight = true;
    try {
      const preview = await api.call('previewMoment', { at });
      if (get().at === at) set({ preview, previewError: null, previewing: false });
    } catch (e) {
      if (get().at === at) set({ preview: null, previewError: readableError(e), previewing: false });
    } finally {
      inFlight = false;
      const next = queued;
      queued = null;
      if (next !== null && next === get().at) void runPreview(next);
    }
  }

  return {
    listing: null,
    loadError: null,
    input: '',
    at: null,
    previewing: false,
    preview: null,
    previewError: null,
    restoreError: null,
    now: null,
    restoring: false,
    async load() {
      try {
        const listing = await api.call('listPoints', {});
        set({ listing, loadError: null });
        // Comparing with any snapshot returns the live data's counts alongside; the newest will do.
        const newest = listing.snapshots[0];
        const now = newest ? (await api.call('compareSnapshot', { snapshotId: newest.id })).current : null;
        set({ now });
      } catch (e) {
        set({ loadError: readableError(e) });
      }
    },
    choose(input) {
      if (timer) clearTimeout(timer);
      const at = fromLocalInput(input);
      const problem = checkMoment(get().listing, input, at);
      set({ input, at: problem ? null : at, previewError: problem, restoreError: null });
      if (problem || at === null) {
        set({ previewing: false, preview: null });
        return;
      }
      set({ previewing: true });
      timer = setTimeout(() => void runPreview(at), PREVIEW_DELAY_MS);
    },
    retryPreview() {
      get().choose(get().input);
    },
    async restore() {
      const at = get().at;
      if (at === null) return;
      set({ restoreError: null, restoring: true });
      try {
        await useRestore.getState().restoreAt(at);
      } catch (e) {
        set({ restoreError: readableError(e) });
      } finally {
        set({ restoring: false });
      }
      // A restore starts a new range (or failed and changed nothing): the listing shows which.
      await get().load();
    },
  };
});
