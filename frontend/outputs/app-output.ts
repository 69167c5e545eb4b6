// A web app's output (application/vnd.luci.app+json, kernel/apps/app-display.ts): while it
// starts, a line; while it runs, its link and a live frame of it; once stopped, why, with its
// last output. The frame is drawn only for an app behind this server's own proxy
// (/luci/apps/...): same origin, the token's cookie carries it (server/apps/app-proxy.ts). An
// app elsewhere (a loopback URL the page may not reach) gets its link only.
import { el } from "../dom.js";

export const APP_MIME = "application/vnd.luci.app+json";

export function renderApp(app: Record<string, unknown>): HTMLElement {
  const id = typeof app.id === "number" ? app.id : "?";
  const url = typeof app.url === "string" ? app.url : "";
  const box = el("div", { class: "luci-app" });
  switch (app.state) {
    case "running": {
      const link = el("a", { text: url, attrs: { href: url, target: "_blank", rel: "noopener noreferrer" } });
      box.append(el("p", {}, `Web app ${id} is running: `, link, ` (port ${String(app.port)}; %luci apps stop ${id} stops it)`));
      if (url.startsWith("/luci/apps/"))
        box.append(
          el("iframe", {
            class: "luci-app-frame",
            title: `Web app ${id}`,
            attrs: { src: url, width: "100%", height: "480", sandbox: "allow-scripts allow-forms allow-same-origin allow-popups" },
          }),
        );
      return box;
    }
    case "stopped": {
      const last = Array.isArray(app.last_output) ? app.last_output.filter((l): l is string => typeof l === "string") : [];
      const reason = typeof app.reason === "string" ? app.reason : "it stopped";
      box.append(el("pre", { text: [`Web app ${id} stopped: ${reason}.`, ...(last.length ? ["Its last output:", ...last] : [])].join("\n") }));
      return box;
    }
    default:
      box.append(el("pre", { class: "luci-muted", text: `Starting web app ${id} on port ${String(app.port)}…` }));
      return box;
  }
}
