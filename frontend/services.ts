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

/**
 * How many recorded programs in the saved notebook the user's kernel would refuse to run
 * (someone else's, or edited in the file), as `luci serve` judges them with the kernels' own
 * trust check (server/api/trust-routes.ts); the page judges no record itself. A notebook that
 * cannot be read counts as one refusal (the kernel fails closed too).
 */
export async function foreignRecords(settings: ServerConnection.ISettings, path: string): Promise<number> {
  const url = `${settings.baseUrl}api/luci/trust?path=${encodeURIComponent(path)}`;
  const response = await ServerConnection.makeRequest(url, {}, settings);
  if (!response.ok) throw new ServerConnection.ResponseError(response);
  const data: unknown = await response.json();
  if (typeof data !== "object" || data === null || !("foreign" in data) || typeof data.foreign !== "number")
    throw new Error("an unexpected answer from /api/luci/trust");
  return data.foreign + ("unreadable" in data && typeof data.unreadable === "string" ? 1 : 0);
}
