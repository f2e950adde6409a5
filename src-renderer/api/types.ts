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
  Session,
  SessionSummary,
  SettingsChange,
  SettingsPreview,
  Snapshot,
  StrataBridge,
  StrataEventMessage,
  Tier,
  Transfer,
} from '../../src-main/contract/types';
export type { RestoreResult, VerifyResult, DrillResult } from '../../src-main/contract/schemas';

export type ImportMode = 'merge' | 'replace';
