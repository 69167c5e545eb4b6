// What a web app's cell shows, one display updated in place (its display_id): starting, then
// running (a link and a live frame of the app), then stopped (why, with its last output). The
// bundle carries text/plain, text/html (JupyterLab, nbconvert) and application/vnd.luci.app+json
// (the same facts as data, for a frontend that draws its own).
import { escapeHtml } from "../common/html.js";
import type { JsonObject, MimeBundle } from "../protocol/messages.js";

const APP_MIME = "application/vnd.luci.app+json";

export type AppState = { state: "starting" } | { state: "running" } | { state: "stopped"; reason: string; lastOutput: string[] };

export interface AppFacts {
  id: number;
  port: number;
  url: string;
  pid?: number;
}

export function appBundle(app: AppFacts, state: AppState): MimeBundle {
  const data: JsonObject = { id: app.id, port: app.port, url: app.url, pid: app.pid ?? null, state: state.state };
  if (state.state === "stopped") {
    data.reason = state.reason;
    data.last_output = state.lastOutput;
  }
  return { "text/plain": plainText(app, state), "text/html": html(app, state), [APP_MIME]: data };
}

function plainText(app: AppFacts, state: AppState): string {
  switch (state.state) {
    case "starting":
      return `Starting web app ${app.id} on port ${app.port}…`;
    case "running":
      return `Web app ${app.id} is running: ${app.url} (port ${app.port}, pid ${app.pid}). %luci apps lists the apps, %luci apps stop ${app.id} stops it.`;
    case "stopped":
      return [`Web app ${app.id} stopped: ${state.reason}.`, ...(state.lastOutput.length ? ["Its last output:", ...state.lastOutput] : [])].join("\n");
  }
}

function html(app: AppFacts, state: AppState): string {
  const url = escapeHtml(app.url);
  switch (state.state) {
    case "starting":
      return `<pre class="luci-progress">${escapeHtml(plainText(app, state))}</pre>`;
    case "running":
      return (
        `<div class="luci-app"><p>Web app ${app.id} is running: <a href="${url}" target="_blank" rel="noopener">${url}</a> ` +
        `(port ${app.port}, pid ${app.pid}; <code>%luci apps stop ${app.id}</code> stops it)</p>` +
        `<iframe src="${url}" title="Web app ${app.id}" style="width:100%;height:480px;border:1px solid #ccc;border-radius:4px" ` +
        `sandbox="allow-scripts allow-forms allow-same-origin allow-popups"></iframe></div>`
      );
    case "stopped":
      return `<pre class="luci-app-stopped">${escapeHtml(plainText(app, state))}</pre>`;
  }
}
