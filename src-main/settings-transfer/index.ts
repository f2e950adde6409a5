/**
 * Settings files: export, validate, preview and import settings, prompts, favourite actions and
 * (when asked) extension data. Format: docs/settings-format.md.
 */
export { SETTINGS_FORMAT, SETTINGS_VERSION, SETTINGS_LIMITS, type ImportMode, type SettingsFile } from './format';
export { exportSettings, type ExportSettingsOptions, type SettingsExportResult } from './export';
export { readSettingsFile } from './read-file';
export type { ChangeSet, SettingsImportPreview } from './diff';
export {
  retentionCandidates,
  type BackupConfigChanges,
  type BackupContext,
  type BackupValueChange,
  type SnapshotListing,
} from './backup-changes';
export {
  importSettings,
  previewSettingsImport,
  type ImportSettingsOptions,
  type PreviewSettingsOptions,
  type SettingsImportResult,
} from './import';
export { toContractPreview } from './contract-preview';
