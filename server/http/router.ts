// A small method + path-pattern router. Path parameters are captured by named groups of a
// regular expression and URL-decoded once here, so handlers see plain strings.
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "./respond.js";

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: RegExp, handler: Handler): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  /** Finds the handler for a request; throws 404 (no such path) or 405 (path known, method not). */
  resolve(method: string, pathname: string): { handler: Handler; params: Record<string, string> } {
    let pathKnown = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(pathname);
      if (!match) continue;
      pathKnown = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(match.groups ?? {})) {
        try {
          params[name] = value === undefined ? "" : decodeURIComponent(value);
        } catch {
          throw new HttpError(400, "malformed percent-encoding in the path");
        }
      }
      return { handler: route.handler, params };
    }
    throw pathKnown ? new HttpError(405, `${method} not allowed here`) : new HttpError(404, "Not Found");
  }
}
