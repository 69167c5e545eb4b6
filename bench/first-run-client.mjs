// bench/first-run-client.mjs - the newcomer's first minutes after the README's run command,
// through @jupyterlab/services as the page uses it: a new notebook, its first Python cell (the
// notebook's environment is created then), its first task cell (Luci's own model is started
// then), and a second task (the model already running). Writes one JSON object to OUT (stdout
// is not used: @jupyterlab/services logs there).
//
//   node bench/first-run-client.mjs BASE_URL TOKEN OUT
//
// Run by bench/first-run.sh; plain JavaScript so that it needs no build step of its own.
import { ContentsManager, KernelManager, ServerConnection, SessionManager } from "@jupyterlab/services";
import { writeFileSync } from "node:fs";
import WebSocket from "ws";

const [baseUrl, token, out] = process.argv.slice(2);
if (!baseUrl || !token || !out) {
  process.stderr.write("usage: node bench/first-run-client.mjs BASE_URL TOKEN OUT\n");
  process.exit(2);
}

const serverSettings = ServerConnection.makeSettings({
  baseUrl,
  wsUrl: baseUrl.replace(/^http/, "ws"),
  token,
  appendToken: true,
  WebSocket,
  fetch: globalThis.fetch,
  Request: globalThis.Request,
  Headers: globalThis.Headers,
});

/** Runs a cell as the page does (with a cell id); its reply status, its text and the time it took. */
async function run(session, code, cellId) {
  const started = performance.now();
  let text = "";
  const future = session.kernel.requestExecute({ code }, false, { cellId });
  future.onIOPub = (message) => {
    const content = message.content;
    if (message.header.msg_type === "stream") text += content.text;
    if (message.header.msg_type === "execute_result" || message.header.msg_type === "display_data") {
      const plain = content.data?.["text/plain"];
      if (typeof plain === "string") text += `${plain}\n`;
    }
    if (message.header.msg_type === "error") text += `${content.ename}: ${content.evalue}\n`;
  };
  const reply = await future.done;
  return { ms: performance.now() - started, status: reply.content.status, text };
}

const notebook = { cells: [], metadata: { kernelspec: { name: "luci", display_name: "Luci" } }, nbformat: 4, nbformat_minor: 5 };
const contents = new ContentsManager({ serverSettings });
const kernels = new KernelManager({ serverSettings });
const sessions = new SessionManager({ serverSettings, kernelManager: kernels });
const path = `first-run-${Date.now()}.ipynb`;
await contents.save(path, { type: "notebook", format: "json", content: notebook });

const started = performance.now();
const session = await sessions.startNew({ path, name: path, type: "notebook", kernel: { name: "luci" } });
await session.kernel.info;
const kernelMs = performance.now() - started;

const python = await run(session, "import sys\nprint(sys.prefix)", "cell-python");
const task = await run(session, "Print the squares of the numbers from 1 to 10, one per line.", "cell-task-1");
const second = await run(session, "Print the sum of the numbers from 1 to 100.", "cell-task-2");

await session.shutdown();
await contents.delete(path);
kernels.dispose();
sessions.dispose();

const result = {
  kernel_ready_ms: kernelMs,
  python_cell: { ms: python.ms, status: python.status, environment: python.text.trim().split("\n").at(-1) ?? "" },
  first_task: { ms: task.ms, status: task.status, correct: /\b100\b/.test(task.text) && /\b81\b/.test(task.text), text: task.text.slice(-400) },
  second_task: { ms: second.ms, status: second.status, correct: /\b5050\b/.test(second.text), text: second.text.slice(-400) },
};
writeFileSync(out, `${JSON.stringify(result)}\n`);
process.exit(0);
