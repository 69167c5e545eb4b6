// What the kernel core needs from a transport (xeus' xserver): receive verified messages
// from shell, control and stdin; send replies back along a request's route; publish on iopub.
import type { Channel, Message, Outgoing } from "./messages.js";

export type RequestChannel = Exclude<Channel, "iopub">;

export type MessageHandler = (channel: RequestChannel, message: Message) => void;

export interface Transport {
  /** The kernel's session id, which every header it sends carries. */
  readonly session: string;
  /** Starts delivering messages to `handler`. */
  start(handler: MessageHandler): Promise<void>;
  /** Sends on shell, control or stdin to the peer identified by `route` (a request's identities); returns its msg_id. */
  send(channel: RequestChannel, route: readonly Buffer[], message: Outgoing): string;
  publish(message: Outgoing): void;
  /** Resolves when everything sent so far has left. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
