// The connection to the server through @jupyterlab/services, unmodified: settings carry the
// token (sent as `Authorization: token …` on requests and `?token=` on the kernel WebSocket);
// the managers are made once for the page.
import { ContentsManager, KernelManager, KernelSpecManager, ServerConnection, SessionManager } from "@jupyterlab/services";

export interface Services {
  settings: ServerConnection.ISettings;
  kernels: KernelManager;
  sessions: SessionManager;
  contents: ContentsManager;
  specs: KernelSpecManager;
}

export function connect(token: string, origin = window.location.origin): Services {
  const baseUrl = `${origin}/`;
  const settings = ServerConnection.makeSettings({
    baseUrl,
    appUrl: baseUrl,
    wsUrl: baseUrl.replace(/^http/, "ws"),
    token,
    appendToken: true,
    init: { cache: "no-store", credentials: "same-origin" },
  });
  const kernels = new KernelManager({ serverSettings: settings });
  return {
    settings,
    kernels,
    sessions: new SessionManager({ kernelManager: kernels, serverSettings: settings }),
    contents: new ContentsManager({ serverSettings: settings }),
    specs: new KernelSpecManager({ serverSettings: settings }),
  };
}
