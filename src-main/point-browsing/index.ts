export { PointBrowser, type PointBrowserDeps, type PointInfo, type SessionRestoreResult } from './point-browser';
export type { PointDiff, SessionBrief, ChangedSession, SettingDifference } from './point-diff';
export type { RestoreMode, RestoredSession, PlannedSession, UndoneRestore } from './session-restore';
export type { RecentlyDeleted, DeletedSession } from './recently-deleted';
export type { PointRef } from './point-ref';
