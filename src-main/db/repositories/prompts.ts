import crypto from 'node:crypto';
import type { SqliteDatabase } from '../connection';
import { parseJsonObject, type JsonObject } from './json-column';

export interface CustomPrompt {
  id: string;
  name: string;
  content: string;
  createdAt: number;
  updatedAt: number;
  metadata: JsonObject;
}

export interface FavoriteAction {
  id: string;
  label: string;
  action: string;
  position: number;
  createdAt: number;
  updatedAt: number;
  metadata: JsonObject;
}

type Row = Record<string, unknown>;

export class PromptsRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  list(): CustomPrompt[] {
    return (this.db.prepare(`SELECT * FROM custom_prompts ORDER BY name, id`).all() as Row[]).map((r) => ({
      id: r.id as string,
      name: r.name as string,
      content: r.content as string,
      createdAt: r.created_at as number,
      updatedAt: r.updated_at as number,
      metadata: parseJsonObject(r.metadata as string),
    }));
  }

  upsert(p: { id?: string; name: string; content: string; metadata?: JsonObject; createdAt?: number }): string {
    const id = p.id ?? crypto.randomUUID();
    const at = this.now();
    this.db
      .prepare(
        `INSERT INTO custom_prompts (id, name, content, created_at, updated_at, metadata) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, content = excluded.content,
           metadata = excluded.metadata, updated_at = excluded.updated_at`,
      )
      .run(id, p.name, p.content, p.createdAt ?? at, at, JSON.stringify(p.metadata ?? {}));
    return id;
  }

  delete(id: string): boolean {
    return this.db.prepare(`DELETE FROM custom_prompts WHERE id = ?`).run(id).changes > 0;
  }
}

export class FavoriteActionsRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  list(): FavoriteAction[] {
    return (this.db.prepare(`SELECT * FROM favorite_actions ORDER BY position, id`).all() as Row[]).map((r) => ({
      id: r.id as string,
      label: r.label as string,
      action: r.action as string,
      position: r.position as number,
      createdAt: r.created_at as number,
      updatedAt: r.updated_at as number,
      metadata: parseJsonObject(r.metadata as string),
    }));
  }

  upsert(a: {
    id?: string;
    label: string;
    action: string;
    position?: number;
    metadata?: JsonObject;
    createdAt?: number;
  }): string {
    const id = a.id ?? crypto.randomUUID();
    const at = this.now();
    this.db
      .prepare(
        `INSERT INTO favorite_actions (id, label, action, position, created_at, updated_at, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET label = excluded.label, action = excluded.action, position = excluded.position,
           metadata = excluded.metadata, updated_at = excluded.updated_at`,
      )
      .run(id, a.label, a.action, a.position ?? 0, a.createdAt ?? at, at, JSON.stringify(a.metadata ?? {}));
    return id;
  }

  delete(id: string): boolean {
    return this.db.prepare(`DELETE FROM favorite_actions WHERE id = ?`).run(id).changes > 0;
  }
}
