// The JSON messages of PROTOCOL.md, as TypeScript types.
import { z } from "zod";

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

export type RequestOp = "complete" | "inspect" | "is_complete" | "validate" | "namespace";

// What the worker sends: checked as it arrives (worker-connection.ts), so that a line of another
// shape is logged and dropped instead of reaching the kernel as a wrong type.
const jsonObject = z.record(z.unknown());
const strings = z.array(z.string());

const MissingModuleSchema = z.object({ name: z.string(), line: z.number().optional() });
export type MissingModule = z.infer<typeof MissingModuleSchema>;

const SyntaxErrorInfoSchema = z.object({
  msg: z.string(),
  lineno: z.number().nullish(),
  offset: z.number().nullish(),
  text: z.string().nullish(),
});
export type SyntaxErrorInfo = z.infer<typeof SyntaxErrorInfoSchema>;

const DoneEventSchema = z.object({
  ev: z.literal("done"),
  id: z.number(),
  sync: z.number(),
  status: z.enum(["ok", "error", "not_python", "missing_modules"]),
  user_expressions: jsonObject.optional(),
  payload: z.array(jsonObject).optional(),
  ename: z.string().optional(),
  evalue: z.string().optional(),
  traceback: strings.optional(),
  syntax_error: SyntaxErrorInfoSchema.optional(),
  /** status missing_modules: what the cell imports that is not installed. */
  modules: z.array(MissingModuleSchema).optional(),
  /** A ModuleNotFoundError escaped the cell: the top-level module it named. */
  missing_module: z.string().optional(),
});
export type DoneEvent = z.infer<typeof DoneEventSchema>;

// The id of an output event is the running execute's (null before the first one); only done,
// the requests and the replies are matched by id.
const outputId = z.number().nullable();

export const WorkerEventSchema = z.discriminatedUnion("ev", [
  z.object({ ev: z.literal("ready"), python: z.string(), executable: z.string(), pid: z.number() }),
  z.object({
    ev: z.literal("display"),
    id: outputId,
    sync: z.number(),
    data: jsonObject,
    metadata: jsonObject.optional(),
    transient: jsonObject.optional(),
    update: z.boolean().optional(),
  }),
  z.object({ ev: z.literal("clear_output"), id: outputId, sync: z.number(), wait: z.boolean() }),
  z.object({ ev: z.literal("result"), id: outputId, sync: z.number(), data: jsonObject, metadata: jsonObject.optional() }),
  z.object({ ev: z.literal("error"), id: outputId, sync: z.number(), ename: z.string(), evalue: z.string(), traceback: strings }),
  z.object({ ev: z.literal("input_request"), id: z.number(), exec_id: z.number(), sync: z.number(), prompt: z.string(), password: z.boolean() }),
  z.object({ ev: z.literal("kernel_request"), id: z.number(), exec_id: z.number(), sync: z.number(), name: z.string(), args: z.string() }),
  DoneEventSchema,
  z.object({ ev: z.literal("reply"), id: z.number(), content: jsonObject }),
]);
export type WorkerEvent = z.infer<typeof WorkerEventSchema>;
