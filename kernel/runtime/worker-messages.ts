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
  /** List missing imports first and run nothing if there are any (PROTOCOL.md "Environments"). */
  scan?: boolean;
  /** Packages were installed since the last execute: invalidate import caches. */
  packages_changed?: boolean;
}

export interface MissingModule {
  name: string;
  line?: number;
}

export type RequestOp = "complete" | "inspect" | "is_complete" | "validate" | "namespace";

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
  | { ev: "kernel_request"; id: number; exec_id: number; sync: number; name: string; args: string }
  | DoneEvent
  | { ev: "reply"; id: number; content: JsonObject };

export interface DoneEvent {
  ev: "done";
  id: number;
  sync: number;
  status: "ok" | "error" | "not_python" | "missing_modules";
  user_expressions?: JsonObject;
  payload?: JsonObject[];
  ename?: string;
  evalue?: string;
  traceback?: string[];
  syntax_error?: SyntaxErrorInfo;
  /** status missing_modules: what the cell imports that is not installed. */
  modules?: MissingModule[];
  /** A ModuleNotFoundError escaped the cell: the top-level module it named. */
  missing_module?: string;
}
