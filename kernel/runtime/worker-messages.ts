// The JSON messages of PROTOCOL.md, as TypeScript types.
import type { JsonObject } from "../protocol/messages.js";
import { array, boolean, jsonObject, literal, nullable, nullish, number, object, oneOf, optional, string, tagged, type Infer } from "../common/shape.js";

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
  /** The Jupyter msg_id of the execute_request: what the worker's get_parent() answers (PROTOCOL.md "Comms"). */
  msg_id?: string;
}

/** A comm message from a client, handled by the worker's comm manager (PROTOCOL.md "Comms"). */
export interface CommCommand {
  op: "comm_open" | "comm_msg" | "comm_close";
  id: number;
  msg_id: string;
  comm_id: string;
  target_name?: string;
  data: JsonObject;
  metadata: JsonObject;
  /** The message's binary buffers, base64. */
  buffers: string[];
}

export type RequestOp = "complete" | "inspect" | "is_complete" | "validate" | "namespace";

// What the worker sends: checked as it arrives (worker-connection.ts), so that a line of another
// shape is logged and dropped instead of reaching the kernel as a wrong type. Checked with the
// shapes of common/shape.ts, not zod: every kernel reads these from its first moment.
const strings = array(string);

const MissingModuleShape = object({ name: string, line: optional(number) });
export type MissingModule = Infer<typeof MissingModuleShape>;

const SyntaxErrorInfoShape = object({
  msg: string,
  lineno: nullish(number),
  offset: nullish(number),
  text: nullish(string),
});
export type SyntaxErrorInfo = Infer<typeof SyntaxErrorInfoShape>;

const DoneEventShape = object({
  ev: literal("done"),
  id: number,
  sync: number,
  status: oneOf(["ok", "error", "not_python", "missing_modules"]),
  user_expressions: optional(jsonObject),
  payload: optional(array(jsonObject)),
  ename: optional(string),
  evalue: optional(string),
  traceback: optional(strings),
  syntax_error: optional(SyntaxErrorInfoShape),
  /** status missing_modules: what the cell imports that is not installed. */
  modules: optional(array(MissingModuleShape)),
  /** A ModuleNotFoundError escaped the cell: the top-level module it named. */
  missing_module: optional(string),
});
export type DoneEvent = Infer<typeof DoneEventShape>;

// The id of an output event is the running execute's (null before the first one); only done,
// the requests and the replies are matched by id.
const outputId = nullable(number);

export const WorkerEventShape = tagged("ev", {
  ready: object({ ev: literal("ready"), python: string, executable: string, pid: number }),
  display: object({
    ev: literal("display"),
    id: outputId,
    sync: number,
    data: jsonObject,
    metadata: optional(jsonObject),
    transient: optional(jsonObject),
    update: optional(boolean),
  }),
  clear_output: object({ ev: literal("clear_output"), id: outputId, sync: number, wait: boolean }),
  result: object({ ev: literal("result"), id: outputId, sync: number, data: jsonObject, metadata: optional(jsonObject) }),
  error: object({ ev: literal("error"), id: outputId, sync: number, ename: string, evalue: string, traceback: strings }),
  input_request: object({ ev: literal("input_request"), id: number, exec_id: number, sync: number, prompt: string, password: boolean }),
  kernel_request: object({ ev: literal("kernel_request"), id: number, exec_id: number, sync: number, name: string, args: string }),
  done: DoneEventShape,
  /** A comm message Python sent (PROTOCOL.md "Comms"); buffers are base64. */
  comm: object({
    ev: literal("comm"),
    id: outputId,
    sync: number,
    msg_type: oneOf(["comm_open", "comm_msg", "comm_close"] as const),
    content: jsonObject,
    metadata: optional(jsonObject),
    buffers: optional(strings),
  }),
  reply: object({ ev: literal("reply"), id: number, content: jsonObject }),
});
export type WorkerEvent = Infer<typeof WorkerEventShape>;
