/**
 * The operation names alone, without their schemas, for the Electron preload: it only needs
 * names to build `window.strata.ops`, and stays small without zod. operations.ts checks at
 * compile time that this list and OPERATIONS agree.
 */
export const OPERATION_NAME_LIST = [
  'listSessions',
  'getSession',
  'createSession',
  'addMessage',
  'deleteSession',
  'listSnapshots',
  'createSnapshot',
  'verifySnapshot',
  'deleteSnapshot',
  'compareSnapshot',
  'restoreSnapshot',
  'undoRestore',
  'listPoints',
  'previewMoment',
  'restoreToMoment',
  'browsePoint',
  'diffPoint',
  'leavePoint',
  'previewSessionRestore',
  'restoreSessions',
  'undoSessionRestore',
  'listRecentlyDeleted',
  'getHealth',
  'getBackupConfig',
  'setBackupConfig',
  'previewPrune',
  'getStoreStats',
  'exportSession',
  'importArchive',
  'exportSettings',
  'previewSettingsImport',
  'importSettings',
] as const;
