/**
 * Which point a browse, diff or restore reads. Today a point is a stored snapshot; with
 * continuous protection a point is also a moment (`--at TIME`), which resolves to a
 * materialisable id here and nowhere else, so every caller gains it at once.
 */
export type PointRef = string | { snapshotId: string };

export function resolvePoint(ref: PointRef): string {
  return typeof ref === 'string' ? ref : ref.snapshotId;
}
