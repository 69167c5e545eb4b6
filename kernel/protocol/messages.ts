// The Jupyter message model (messaging spec 5.3), as the kernel sees it.
// Types only: this file has no behaviour, so every layer can import it cheaply.

export const PROTOCOL_VERSION = "5.3";

export type Channel = "shell" | "control" | "stdin" | "iopub";

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [extra: string]: unknown;
}

export type JsonObject = Record<string, unknown>;

/** A decoded, verified message. `identities` is the ZeroMQ routing prefix it came with. */
export interface Message<C extends JsonObject = JsonObject> {
  identities: Buffer[];
  header: Header;
  parent_header: Partial<Header>;
  metadata: JsonObject;
  content: C;
  buffers: Buffer[];
}

/** What the kernel needs to send: the rest (header, signature) is added by the protocol layer. */
export interface Outgoing {
  msgType: string;
  content: JsonObject;
  parent?: Message;
  metadata?: JsonObject;
  buffers?: Buffer[];
}

/** One MIME bundle: `text/plain`, `text/html`, `image/png` (base64), ... */
export type MimeBundle = Record<string, unknown>;
