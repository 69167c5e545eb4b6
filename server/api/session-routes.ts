// /api/sessions (jupyter_server's services/sessions/handlers.py).
import { readJson, sendEmpty, sendJson } from "../http/respond.js";
import type { Router } from "../http/router.js";
import type { SessionManager } from "../sessions/session-manager.js";

const SESSION = /^\/api\/sessions\/(?<id>[^/]+)\/?$/;

export function sessionRoutes(router: Router, sessions: SessionManager): void {
  router
    .add("GET", /^\/api\/sessions\/?$/, ({ res }) => sendJson(res, 200, sessions.list()))
    .add("POST", /^\/api\/sessions\/?$/, async ({ req, res }) => {
      const model = await sessions.create(await readJson(req));
      sendJson(res, 201, model, { Location: `/api/sessions/${encodeURIComponent(model.id)}` });
    })
    .add("GET", SESSION, ({ res, params }) => sendJson(res, 200, sessions.get(params.id!)))
    .add("PATCH", SESSION, async ({ req, res, params }) => sendJson(res, 200, await sessions.update(params.id!, await readJson(req))))
    .add("DELETE", SESSION, async ({ res, params }) => {
      await sessions.delete(params.id!);
      sendEmpty(res);
    });
}
