// The client's side of the messaging protocol, what jupyter_client's Session is for Python:
// requests whose headers carry this client's session (messages.ts has the one protocol
// version), signed and framed for ZeroMQ with the connection's key, and the kernel's messages
// read back, checked and parsed. No sockets here, so the server's bridge, the ZeroMQ
// KernelClient (kernel-client.ts) and the WebSocket clients of tests and bench all build and
// read messages the same way, and it can be tested in-process.
import type { ConnectionInfo } from "./connection.js";
import { HeaderFactory } from "./header.js";
import type { Header, JsonObject, Message } from "./messages.js";
import { Signer } from "./signer.js";
import { encode, parse, unwrap, wrap, type Decoded, type Unwrapped, type WireFrames } from "./wire.js";

/** A message as a client builds it: no routing identities, those are the socket's business. */
export type ClientMessage = Omit<Message, "identities">;

export interface ClientSessionOptions {
  /** The connection's key; none for a WebSocket client, whose server signs for it. */
  key?: string;
  signatureScheme?: string;
  /** Defaults to the user this process runs as. */
  username?: string;
}

export interface RequestOptions {
  metadata?: JsonObject;
  /** The message this one answers (an input_reply's input_request); requests have none. */
  parent?: Partial<Header>;
  buffers?: Buffer[];
}

export class ClientSession {
  private readonly headers: HeaderFactory;
  private readonly signer: Signer;

  constructor(options: ClientSessionOptions = {}) {
    this.headers = new HeaderFactory(options.username);
    this.signer = new Signer(options.key ?? "", options.signatureScheme);
  }

  /** A session that signs with a kernel's connection file. */
  static forConnection(info: ConnectionInfo, username?: string): ClientSession {
    return new ClientSession({ key: info.key, signatureScheme: info.signature_scheme, username });
  }

  /** The session id every header of this client carries. */
  get id(): string {
    return this.headers.session;
  }

  header(msgType: string): Header {
    return this.headers.make(msgType);
  }

  request(msgType: string, content: JsonObject = {}, options: RequestOptions = {}): ClientMessage {
    return {
      header: this.header(msgType),
      parent_header: options.parent ?? {},
      metadata: options.metadata ?? {},
      content,
      buffers: options.buffers ?? [],
    };
  }

  /** The signed ZeroMQ frames of a message, after the routing identities if any. */
  frames(message: ClientMessage, identities: readonly Buffer[] = []): Buffer[] {
    const { header, parent_header, metadata, content, buffers } = message;
    return encode(identities, header, parent_header, metadata, content, buffers, this.signer);
  }

  /** The four JSON parts of a message, for a WebSocket framing (the server signs those). */
  parts(message: ClientMessage): WireFrames["parts"] {
    const json = (part: object) => Buffer.from(JSON.stringify(part));
    return [json(message.header), json(message.parent_header), json(message.metadata), json(message.content)];
  }

  /** Signs and frames JSON parts that are already serialised: a relayed message, or a test's malformed one. */
  sign(parts: readonly Buffer[], buffers: readonly Buffer[] = [], identities: readonly Buffer[] = []): Buffer[] {
    return wrap(identities, parts, buffers, this.signer);
  }

  /** Checks and parses a kernel's frames; a message that is unsigned, badly signed, replayed or malformed comes back as a reason. */
  read(frames: readonly Buffer[]): Decoded {
    const unwrapped = this.readRaw(frames);
    return unwrapped.ok ? parse(unwrapped.frames) : unwrapped;
  }

  /** Checks a kernel's frames and leaves the JSON as bytes, for a relay that forwards them unparsed. */
  readRaw(frames: readonly Buffer[]): Unwrapped {
    return unwrap(frames, this.signer);
  }
}

/** Parses a message that came over a WebSocket: four JSON parts, no signature. */
export function readParts(parts: WireFrames["parts"], buffers: Buffer[] = []): Decoded {
  return parse({ identities: [], parts, buffers });
}

/** execute_request's content with jupyter_client's defaults, except that this client answers no input unless asked. */
export function executeContent(code: string, options: JsonObject = {}): JsonObject {
  return { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true, ...options };
}

/** The status that ends a request's output: every iopub message with it as parent came before. */
export function isIdle(message: Pick<Message, "header" | "content">): boolean {
  return message.header.msg_type === "status" && message.content.execution_state === "idle";
}
