// The JSON messages of PROTOCOL.md, as TypeScript types.
import type { JsonObject, MimeBundle } from "../protocol/messages.js";

export interface ExecuteCommand {
  op: "execute";
  id: number;
  code: string;
  mode: "auto" | "python";
  silent: boolean;
  store_history: boolean;
  allow_stdin: boolean;
  execution_count: number;
  user_expressions: Record<string, string>;
}

export type RequestOp = "complete" | "inspect" | "is_complete";

export interface SyntaxErrorInfo {
  msg: string;
  lineno?: number | null;
  offset?: number | null;
  text?: string | null;
}

export type WorkerEvent =
  | { ev: "ready"; python: string; executable: string; pid: number }
  | { ev: "display"; id: number; sync: number; data: MimeBundle; metadata?: JsonObject; transient?: JsonObject; update?: boolean }
  | { ev: "clear_output"; id: number; sync: number; wait: boolean }
  | { ev: "result"; id: number; sync: number; data: MimeBundle; metadata?: JsonObject }
  | { ev: "error"; id: number; sync: number; ename: string; evalue: string; traceback: string[] }
  | { ev: "input_request"; id: number; exec_id: number; sync: number; prompt: string; password: boolean }
  | DoneEvent
  | { ev: "reply"; id: number; content: JsonObject };

export interface DoneEvent {
  ev: "done";
  id: number;
  sync: number;
  status: "ok" | "error" | "not_python";
  user_expressions?: JsonObject;
  payload?: JsonObject[];
  ename?: string;
  evalue?: string;
  traceback?: string[];
  syntax_error?: SyntaxErrorInfo;
}
