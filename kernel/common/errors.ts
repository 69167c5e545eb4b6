// What a caught value says, for log lines and messages. A `catch` gets `unknown`: nearly
// always an Error, but a library or a rejected promise may throw anything, and a cast
// (`(err as Error).message`) would then print "undefined". No Node types here: the page
// (frontend/) uses this file too.

/** The message of a caught Error, or the thrown value as text. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The stack of a caught Error (its message where it has none), or the thrown value as text. */
export function errorStack(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** The `code` of a caught Error (ENOENT, EPERM, ERR_MODULE_NOT_FOUND, ...), if it has one. */
export function errorCode(err: unknown): string | undefined {
  return err instanceof Error && "code" in err && typeof err.code === "string" ? err.code : undefined;
}
