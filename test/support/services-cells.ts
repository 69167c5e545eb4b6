// @jupyterlab/services in Node against a Jupyter server (luci serve, or jupyter_server itself):
// its settings (ws's WebSocket, Node's fetch), and a cell run as JupyterLab runs one (with its
// cell id), giving its reply and its outputs as nbformat keeps them, so a test can save them.
import { ContentsManager, KernelManager, ServerConnection, SessionManager, type Contents, type KernelMessage, type Session } from "@jupyterlab/services";
import WebSocket from "ws";
import { isObject } from "../../kernel/common/json-file.js";

function servicesSettings(baseUrl: string, token: string): ServerConnection.ISettings {
  return ServerConnection.makeSettings({
    baseUrl,
    wsUrl: baseUrl.replace(/^http/, "ws"),
    token,
    appendToken: true,
    // ws's WebSocket stands in for the browser's, as in @jupyterlab/services' own Node use: the
    // types differ, the API the library calls is the same.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    fetch: globalThis.fetch,
    Request: globalThis.Request,
    Headers: globalThis.Headers,
  });
}

/** The contents, kernel and session managers of a client of the server, ready; dispose() stops their polling. */
export async function servicesManagers(baseUrl: string, token: string) {
  const serverSettings = servicesSettings(baseUrl, token);
  const contents = new ContentsManager({ serverSettings });
  const kernels = new KernelManager({ serverSettings });
  const sessions = new SessionManager({ serverSettings, kernelManager: kernels });
  await Promise.all([kernels.ready, sessions.ready]);
  return {
    contents,
    kernels,
    sessions,
    dispose() {
      sessions.dispose();
      kernels.dispose();
    },
  };
}

/** Runs a cell as JupyterLab does (with its cell id); its reply and the outputs as nbformat keeps them. */
export async function runCell(session: Session.ISessionConnection, code: string, cellId: string) {
  const outputs: Record<string, unknown>[] = [];
  let text = "";
  let stdout = "";
  const future = session.kernel!.requestExecute({ code }, false, { cellId });
  future.onIOPub = (message: KernelMessage.IIOPubMessage) => {
    const content: Record<string, unknown> = { ...message.content };
    const type = message.header.msg_type;
    if (type === "stream") {
      text += String(content.text);
      if (content.name === "stdout") stdout += String(content.text);
      outputs.push({ output_type: "stream", name: content.name, text: content.text });
    }
    if (type === "display_data" || type === "execute_result") {
      const data: unknown = content.data;
      if (isObject(data) && typeof data["text/plain"] === "string") text += data["text/plain"] + "\n";
      outputs.push({ output_type: "display_data", data, metadata: content.metadata ?? {} });
    }
    if (type === "error") text += `${String(content.ename)}: ${String(content.evalue)}\n`;
  };
  const reply = await future.done;
  return { reply, outputs, text, stdout };
}

/** Saves a notebook of one code cell with its outputs, as the page or JupyterLab saves it (so its record travels). */
export async function saveOneCellNotebook(contents: Contents.IManager, path: string, cell: { id: string; source: string; outputs: unknown[] }) {
  const code = { cell_type: "code", metadata: {}, execution_count: 1, ...cell };
  const kernelspec = { name: "luci", display_name: "Luci", language: "python" };
  await contents.save(path, { type: "notebook", format: "json", content: { nbformat: 4, nbformat_minor: 5, metadata: { kernelspec }, cells: [code] } });
}

/** Renames the session's notebook as JupyterLab does (contents, then the session's path and name), then restarts its kernel. */
export async function renameAndRestart(contents: Contents.IManager, session: Session.ISessionConnection, name: string) {
  const renamed = await contents.rename(session.path, name);
  await session.setPath(renamed.path);
  await session.setName(renamed.name);
  await session.kernel!.restart();
  return renamed;
}
