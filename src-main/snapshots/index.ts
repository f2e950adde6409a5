export { SnapshotEngine, type LiveDatabase, type VerifyResult, type RestoreResult, type DrillResult } from './engine';
export { SnapshotStore, type DamagedEntry, type StoreScan } from './store';
export { snapshotSidecarSchema, SNAPSHOT_FORMAT_VERSION, type SnapshotSidecar, type SnapshotEntry } from './sidecar';
export { recoverInterruptedRestore, readRestoreHistory, type RestoreRecord } from './restore-journal';
export { isGoodSnapshot } from './good';
export * from './config';
export { planRetention, type RetentionPlan, type DiskSpace } from './retention';
export { BackupScheduler, type SchedulerState } from './scheduler';
export { computeHealth, probeDisk, healthReportSchema, type HealthReport } from './health';
