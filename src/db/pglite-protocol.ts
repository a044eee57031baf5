/** The messages between the app's thread and the embedded database's thread (types only). */

export type ThreadRequest = { id: number } & (
  | {
      op: "query";
      sql: string;
      params: unknown[] | undefined;
      rowMode: "array" | "object" | undefined;
      tx?: number;
    }
  | { op: "exec"; sql: string; tx?: number }
  | { op: "begin" }
  | { op: "end"; tx: number; commit: boolean }
  | { op: "listen"; channel: string }
  | { op: "unlisten"; listener: number }
  | { op: "close" }
);

export interface ThreadError {
  message: string;
  fields: Record<string, unknown>;
}

export type ThreadReply =
  | { kind: "ready" }
  | { kind: "failed"; error: ThreadError }
  | { kind: "result"; id: number; value: unknown }
  | { kind: "error"; id: number; error: ThreadError }
  | { kind: "notification"; listener: number; payload: string };
