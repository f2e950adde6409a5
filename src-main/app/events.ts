import { EventEmitter } from 'node:events';

/** Progress of one long operation; `operationId` ties the events of one run together. */
export interface ProgressEvent {
  operationId: string;
  kind: string;
  phase: string;
  done: number;
  total: number;
  finished?: boolean;
  error?: { code: string; message: string };
}

export interface DataChangedEvent {
  reason: 'restore' | 'undo-restore' | 'import' | 'delete' | 'edit' | 'settings' | 'retention';
}

export interface StrataEventMap {
  progress: ProgressEvent;
  'data-changed': DataChangedEvent;
  /** Health is recomputed after every backup job; payload typed by src-main/snapshots/health. */
  health: unknown;
  /** A backup failed or protection went stale: the shell turns this into a desktop notification. */
  alert: { level: 'warning' | 'error'; title: string; message: string };
}

/** A small typed wrapper: one bus per running app or host, shared by every service. */
export class StrataEvents {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(100);
  }
  emit<K extends keyof StrataEventMap>(name: K, payload: StrataEventMap[K]): void {
    this.emitter.emit(name, payload);
  }
  on<K extends keyof StrataEventMap>(name: K, fn: (payload: StrataEventMap[K]) => void): () => void {
    this.emitter.on(name, fn);
    return () => this.emitter.off(name, fn);
  }
}

let counter = 0;
export function newOperationId(kind: string): string {
  counter = (counter + 1) % 1_000_000;
  return `${kind}-${Date.now().toString(36)}-${counter}`;
}
