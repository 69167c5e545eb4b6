// /api/contents (jupyter_server's services/contents/handlers.py): the checkpoint routes are
// matched first, since a file may itself be called "checkpoints".
import type { ContentsManager, ContentsModel } from "../contents/contents-manager.js";
import { HttpError, readJson, sendEmpty, sendJson } from "../http/respond.js";
import type { RequestContext, Router } from "../http/router.js";

const CHECKPOINTS = /^\/api\/contents(?<path>\/.*)?\/checkpoints\/?$/;
const CHECKPOINT = /^\/api\/contents(?<path>\/.*)?\/checkpoints\/(?<id>[^/]+)\/?$/;
const CONTENTS = /^\/api\/contents(?<path>\/.*)?$/;

export function contentsRoutes(router: Router, contents: ContentsManager): void {
  const file = (path: string) => contents.paths.resolve(path);
  const location = (model: ContentsModel) => ({ Location: `/api/contents/${model.path.split("/").map(encodeURIComponent).join("/")}` });
  router
    .add("GET", CHECKPOINTS, ({ res, params }) => sendJson(res, 200, contents.checkpoints.list(file(params.path!))))
    .add("POST", CHECKPOINTS, async ({ res, params }) => {
      const path = file(params.path!);
      const checkpoint = await contents.checkpoints.create(path);
      const api = path.api;
      sendJson(res, 201, checkpoint, { Location: `/api/contents/${api.split("/").map(encodeURIComponent).join("/")}/checkpoints/${checkpoint.id}` });
    })
    .add("POST", CHECKPOINT, async ({ res, params }) => {
      await contents.checkpoints.restore(file(params.path!), params.id!);
      sendEmpty(res);
    })
    .add("DELETE", CHECKPOINT, ({ res, params }) => {
      contents.checkpoints.delete(file(params.path!), params.id!);
      sendEmpty(res);
    })
    .add("GET", CONTENTS, async ({ res, url, params }) => {
      const content = url.searchParams.get("content");
      if (content !== null && content !== "0" && content !== "1") throw new HttpError(400, `Content ${content} is invalid`);
      const format = url.searchParams.get("format") ?? undefined;
      if (format !== undefined && format !== "text" && format !== "base64") throw new HttpError(400, `Format ${format} is invalid`);
      const type = url.searchParams.get("type") ?? undefined;
      if (type !== undefined && !["directory", "file", "notebook"].includes(type)) throw new HttpError(400, `Type ${type} is invalid`);
      const hash = url.searchParams.get("hash") === "1";
      sendJson(res, 200, await contents.get(params.path ?? "", { content: content !== "0", type, format, hash }));
    })
    .add("PUT", CONTENTS, async ({ req, res, params }) => {
      const body = await readJson(req);
      if (body.copy_from !== undefined) throw new HttpError(400, "Cannot copy with PUT, only POST");
      const { model, created } = await contents.save(params.path ?? "", body);
      sendJson(res, created ? 201 : 200, model, location(model));
    })
    .add("POST", CONTENTS, async ({ req, res, params }) => {
      const model = await contents.create(params.path ?? "", await readJson(req));
      sendJson(res, 201, model, location(model));
    })
    .add("PATCH", CONTENTS, async ({ req, res, params }) => {
      const body = await readJson(req);
      if (typeof body.path !== "string") throw new HttpError(400, "PATCH needs a new path");
      const model = await contents.rename(params.path ?? "", body.path);
      sendJson(res, 200, model, location(model));
    })
    .add("DELETE", CONTENTS, ({ res, params }: RequestContext) => {
      contents.delete(params.path ?? "");
      sendEmpty(res);
    });
}
