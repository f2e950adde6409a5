import type { DatabaseFingerprints, SessionFingerprint } from './session-fingerprints';

/**
 * What differs between a point and now, from the two sides' fingerprints plus the message
 * hashes of only the sessions whose fingerprints differ.
 */

export interface SessionBrief {
  id: string;
  title: string;
  messageCount: number;
  lastMessageAt: number | null;
}

export interface ChangedSession {
  id: string;
  point: SessionBrief;
  now: SessionBrief;
  titleChanged: boolean;
  /** Something in the session row besides the title (model, tokens, star, metadata). */
  detailsChanged: boolean;
  messagesEdited: number;
  messagesAdded: number;
  messagesRemoved: number;
}

export interface SettingDifference {
  key: string;
  change: 'added' | 'removed' | 'changed';
  secret: boolean;
}

export interface PointDiff {
  pointId: string;
  deletedSince: SessionBrief[];
  createdSince: SessionBrief[];
  changed: ChangedSession[];
  unchanged: SessionBrief[];
  settings: SettingDifference[];
  totals: {
    point: { sessions: number; messages: number };
    now: { sessions: number; messages: number };
    deletedSince: number;
    createdSince: number;
    changed: number;
    unchanged: number;
    settingsChanged: number;
  };
}

export const brief = (s: SessionFingerprint): SessionBrief => ({
  id: s.id,
  title: s.title,
  messageCount: s.messageCount,
  lastMessageAt: s.lastMessageAt,
});

const newestFirst = (a: SessionBrief, b: SessionBrief) =>
  (b.lastMessageAt ?? 0) - (a.lastMessageAt ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Ids in both sides whose message lists differ: the only ones that need message-level hashes. */
export function sessionsNeedingMessages(point: DatabaseFingerprints, now: DatabaseFingerprints): string[] {
  const nowById = new Map(now.sessions.map((s) => [s.id, s]));
  return point.sessions
    .filter((s) => {
      const n = nowById.get(s.id);
      return n !== undefined && n.messagesHash !== s.messagesHash;
    })
    .map((s) => s.id);
}

export function diffFingerprints(
  pointId: string,
  point: DatabaseFingerprints,
  now: DatabaseFingerprints,
  pointMessages: Map<string, Map<string, string>>,
  nowMessages: Map<string, Map<string, string>>,
): PointDiff {
  const nowById = new Map(now.sessions.map((s) => [s.id, s]));
  const pointIds = new Set(point.sessions.map((s) => s.id));
  const deletedSince: SessionBrief[] = [];
  const changed: ChangedSession[] = [];
  const unchanged: SessionBrief[] = [];
  for (const p of point.sessions) {
    const n = nowById.get(p.id);
    if (!n) {
      deletedSince.push(brief(p));
      continue;
    }
    if (n.rowHash === p.rowHash && n.messagesHash === p.messagesHash) {
      unchanged.push(brief(n));
      continue;
    }
    let edited = 0;
    let added = 0;
    let removed = 0;
    if (n.messagesHash !== p.messagesHash) {
      const pm = pointMessages.get(p.id) ?? new Map<string, string>();
      const nm = nowMessages.get(p.id) ?? new Map<string, string>();
      for (const [id, h] of pm) {
        const other = nm.get(id);
        if (other === undefined) removed++;
        else if (other !== h) edited++;
      }
      for (const id of nm.keys()) if (!pm.has(id)) added++;
    }
    const titleChanged = n.title !== p.title;
    changed.push({
      id: p.id,
      point: brief(p),
      now: brief(n),
      titleChanged,
      // The row hash covers updated_at, which every message append moves: compare it only when messages did not change.
      detailsChanged: n.rowHash !== p.rowHash && !titleChanged && n.messagesHash === p.messagesHash,
      messagesEdited: edited,
      messagesAdded: added,
      messagesRemoved: removed,
    });
  }
  const createdSince = now.sessions.filter((s) => !pointIds.has(s.id)).map(brief);
  const settings = diffSettings(point, now);
  deletedSince.sort(newestFirst);
  createdSince.sort(newestFirst);
  unchanged.sort(newestFirst);
  changed.sort((a, b) => newestFirst(a.now, b.now));
  return {
    pointId,
    deletedSince,
    createdSince,
    changed,
    unchanged,
    settings,
    totals: {
      point: { sessions: point.sessions.length, messages: point.messages },
      now: { sessions: now.sessions.length, messages: now.messages },
      deletedSince: deletedSince.length,
      createdSince: createdSince.length,
      changed: changed.length,
      unchanged: unchanged.length,
      settingsChanged: settings.length,
    },
  };
}

function diffSettings(point: DatabaseFingerprints, now: DatabaseFingerprints): SettingDifference[] {
  const nowByKey = new Map(now.settings.map((s) => [s.key, s]));
  const pointKeys = new Set(point.settings.map((s) => s.key));
  const out: SettingDifference[] = [];
  for (const p of point.settings) {
    const n = nowByKey.get(p.key);
    if (!n) out.push({ key: p.key, change: 'removed', secret: p.secret });
    else if (n.hash !== p.hash || n.secret !== p.secret)
      out.push({ key: p.key, change: 'changed', secret: p.secret || n.secret });
  }
  for (const n of now.settings) if (!pointKeys.has(n.key)) out.push({ key: n.key, change: 'added', secret: n.secret });
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
