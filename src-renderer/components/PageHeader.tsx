import type { ReactNode } from 'react';

/** The screen's heading (focus lands on it when the screen opens) and its main actions. */
export function PageHeader({ title, intro, children }: { title: string; intro: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        <h1 tabIndex={-1}>{title}</h1>
        <p>{intro}</p>
      </div>
      {children && <div className="btn-row">{children}</div>}
    </div>
  );
}
