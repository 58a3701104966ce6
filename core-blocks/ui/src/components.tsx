import type { ReactNode } from "react";
import { ApiError } from "./api";

export function ErrorNotice({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return (
    <div className="notice error" role="alert">
      {error instanceof ApiError ? <strong>{error.code}: </strong> : null}
      {error.message}
    </div>
  );
}

export function Loading({ when, children }: { when: boolean; children?: ReactNode }) {
  if (when) return <p className="muted">Loading…</p>;
  return children;
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
