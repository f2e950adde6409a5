// The renderer's view of the contract: types only, so nothing but zod-free type info crosses.
export type {
  BackupConfig,
  BackupConfigPatch,
  FilesApi,
  HealthReport,
  ImportKind,
  Input,
  Message,
  OperationName,
  Output,
  ProgressEvent,
  PrunePlan,
  RestoreResult,
  Session,
  SessionSummary,
  SettingsChange,
  SettingsPreview,
  Snapshot,
  StrataBridge,
  StrataEventMessage,
  Tier,
  Transfer,
  VerifyResult,
} from '../../src-main/contract/types';

export type ImportMode = 'merge' | 'replace';
