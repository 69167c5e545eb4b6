import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverLocalModel, resolveEndpoint, type LocalServer } from "../../../../kernel/pipeline/model/discovery.js";
import { ModelNotConfigured, ModelUnavailable } from "../../../../kernel/pipeline/model/errors.js";
import { ModelClient } from "../../../../kernel/pipeline/model/model-client.js";
import { modelSettings } from "../../../../kernel/pipeline/model/settings.js";
import { answer, answerText, startFakeModelServer, type FakeModelServer } from "../../../support/fake-model-server.js";

let lmStudio: FakeModelServer;
let ollama: FakeModelServer;
let deadPort: number;
let silent: { server: Server; port: number; sockets: Set<Socket> };

beforeAll(async () => {
  lmStudio = await startFakeModelServer({ models: ["text-embedding-nomic-embed-text-v1.5", "qwen2.5-coder-7b-instruct"] });
  ollama = await startFakeModelServer({ models: ["llama3.2:3b", "qwen2.5-coder:7b"] });
  deadPort = await freePort();
  silent = await silentServer();
});
afterAll(async () => {
  await lmStudio.close();
  await ollama.close();
  for (const s of silent.sockets) s.destroy();
  await new Promise<void>((resolve) => silent.server.close(() => resolve()));
});

const at = (name: string, port: number): LocalServer => ({ name, baseUrl: `http://127.0.0.1:${port}/v1` });

describe("finding a local model", () => {
  it("takes the first chat model of the first server in order that answers, skipping embedding models", async () => {
    const found = await discoverLocalModel({}, { servers: [at("LM Studio", lmStudio.port), at("Ollama", ollama.port)] });
    expect(found).toEqual({ baseUrl: lmStudio.baseUrl, model: "qwen2.5-coder-7b-instruct", apiKey: undefined, source: "LM Studio" });
  });

  it("goes on to the next server when the first has nothing listening", async () => {
    const found = await discoverLocalModel({}, { servers: [at("LM Studio", deadPort), at("Ollama", ollama.port)] });
    expect(found).toMatchObject({ baseUrl: ollama.baseUrl, model: "llama3.2:3b", source: "Ollama" });
  });

  it("uses a model the user named when a server has it", async () => {
    const servers = [at("LM Studio", lmStudio.port), at("Ollama", ollama.port)];
    expect((await discoverLocalModel({ model: "qwen2.5-coder:7b" }, { servers })).baseUrl).toBe(ollama.baseUrl);
  });

  it("gives up on a server that accepts and never answers, after its short timeout", async () => {
    const found = await discoverLocalModel({}, { servers: [at("LM Studio", silent.port), at("Ollama", ollama.port)], timeoutMs: 200 });
    expect(found.source).toBe("Ollama");
    // Alone, the silent server is given up on for its timeout, and the message says so.
    const err = await discoverLocalModel({}, { servers: [at("LM Studio", silent.port)], timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelNotConfigured);
    expect((err as Error).message).toContain(`LM Studio at http://127.0.0.1:${silent.port}/v1: no answer within 200 ms`);
  });

  it("with nothing listening throws ModelNotConfigured that says how to configure a model", async () => {
    let err: unknown;
    try {
      await discoverLocalModel({}, { servers: [at("LM Studio", deadPort), at("Ollama", deadPort)] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelNotConfigured);
    const message = (err as Error).message;
    expect(message).toContain("LUCI_LLM_BASE_URL");
    expect(message).toContain("LUCI_LLM_MODEL");
    expect(message).toContain("LUCI_LLM_API_KEY");
    expect(message).toContain("%luci model");
    expect(message).toContain("Python cells keep working");
    expect(message).toContain(`LM Studio at http://127.0.0.1:${deadPort}/v1: nothing listening`);
  });

  it("a configured base URL with no model takes the first model it lists; a dead one fails in plain words", async () => {
    const found = await resolveEndpoint(modelSettings({ LUCI_LLM_BASE_URL: ollama.baseUrl }));
    expect(found).toMatchObject({ baseUrl: ollama.baseUrl, model: "llama3.2:3b", source: "settings" });
    const dead = `http://127.0.0.1:${deadPort}/v1`;
    await expect(resolveEndpoint(modelSettings({ LUCI_LLM_BASE_URL: dead }))).rejects.toThrow(ModelUnavailable);
    await expect(resolveEndpoint(modelSettings({ LUCI_LLM_BASE_URL: dead }))).rejects.toThrow(/could not list its models: nothing listening/);
  });

  it("a client with nothing configured finds the local server and generates through it", async () => {
    ollama.reset();
    ollama.enqueue(answer());
    const client = new ModelClient(modelSettings({}), { discovery: { servers: [at("LM Studio", deadPort), at("Ollama", ollama.port)] } });
    const result = await client.generate({ messages: [{ role: "user", content: "Task: x" }] });
    expect(result.text).toBe(answerText());
    expect(result.baseUrl).toBe(ollama.baseUrl);
    expect((ollama.chatRequests[0]!.body as { model: string }).model).toBe("llama3.2:3b");
  });

  it("a client with nothing configured and nothing found rejects with ModelNotConfigured, and sends nothing", async () => {
    const client = new ModelClient(modelSettings({}), { discovery: { servers: [at("LM Studio", deadPort)] } });
    await expect(client.generate({ messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(ModelNotConfigured);
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Accepts connections and never writes a byte. */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port, sockets };
}
