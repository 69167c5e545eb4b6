// One scenario as a Python cell for the worker: the recorded code, its parameters assigned
// before it (the rerun's substitution), run in a copy of the notebook's namespace with its
// printing captured, then one report line on stdout that the kernel reads. The worker protocol
// is unchanged: this is an ordinary execute, whose displays and stream the sweep does not show.
//
// Why a copy of the namespace: the recorded code assigns its parameters and whatever it computes
// (`r`, `n`, `payment`...). Run in the notebook's namespace, scenario 2 would start from scenario
// 1's variables and the notebook would be left with the last scenario's `rate`. A fresh shallow
// copy per scenario reads everything the notebook made (a DataFrame, a function) while its
// assignments stay in the copy. What a copy cannot keep apart, and is documented: an object of
// the notebook changed in place (`df["x"] = ...`, `items.append(...)`), and a function of the
// notebook that reads a global (it reads the notebook's namespace, not the copy).
//
// The harness itself runs in its own globals (exec's second argument), so the notebook's
// namespace gets no helper name; KeyboardInterrupt is not caught, so an interrupt ends the cell.
import { isObject } from "../../common/json-file.js";
import type { HarnessReport } from "./scenario-results.js";

/** The marker that starts the report line: a control character no ordinary print begins with. */
const REPORT_MARK = "\u001eLUCI-SWEEP-REPORT ";

/** Printed output kept per scenario (its end): the named values are usually printed last. */
const MAX_CAPTURED = 200_000;

const HARNESS = `
import ast as _ast, contextlib as _contextlib, io as _io, json as _json, math as _math, sys as _sys

def _plain(value, depth=0):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        number = float(value) if isinstance(value, float) else value
        if isinstance(number, float) and not _math.isfinite(number):
            return repr(number)
        return number
    if isinstance(value, str):
        return value[:200]
    item = getattr(value, "item", None)  # a NumPy scalar
    if callable(item) and depth == 0 and getattr(value, "shape", None) == ():
        try:
            return _plain(item(), 1)
        except Exception:
            pass
    return repr(value)[:200]

def _run(source):
    namespace = dict(_sys.modules["__main__"].__dict__)
    out = _io.StringIO()
    report = {}
    try:
        tree = _ast.parse(source, "<scenario>")
        last = None
        if tree.body and isinstance(tree.body[-1], _ast.Expr):
            last = _ast.Expression(tree.body.pop().value)
        with _contextlib.redirect_stdout(out):
            exec(compile(tree, "<scenario>", "exec"), namespace)
            value = eval(compile(last, "<scenario>", "eval"), namespace) if last is not None else None
        if type(value).__name__ == "Series" and callable(getattr(value, "to_dict", None)):
            value = value.to_dict()  # a pandas Series: its index names the results
        if isinstance(value, dict):
            report["returned"] = {str(k)[:80]: _plain(v) for k, v in list(value.items())[:50]}
        elif isinstance(_plain(value), (int, float)) and not isinstance(value, bool):
            report["returned"] = {"result": _plain(value)}  # a number alone: the column "result"
    except Exception as error:
        report["error"] = (type(error).__name__ + ": " + str(error))[:500]
    report["stdout"] = out.getvalue()[-${MAX_CAPTURED}:]
    print(${JSON.stringify(REPORT_MARK)} + _json.dumps(report), flush=True)

_run(_source)
`;

/** The cell that runs one scenario: `assignments` (`rate = 0.05\n`...) then the recorded code. */
export function scenarioCell(code: string): string {
  return `exec(${JSON.stringify(HARNESS)}, {"_source": ${JSON.stringify(code)}, "__name__": "__luci_sweep__"})\n`;
}

/** The report in what the scenario cell printed, or undefined when there is none (the cell failed before it). */
export function readReport(stdout: string): HarnessReport | undefined {
  const at = stdout.lastIndexOf(REPORT_MARK);
  if (at === -1) return undefined;
  const line = stdout.slice(at + REPORT_MARK.length).split("\n")[0]!;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const { stdout: printed, returned, error } = parsed;
  return {
    stdout: typeof printed === "string" ? printed : "",
    ...(isObject(returned) ? { returned } : {}),
    ...(typeof error === "string" ? { error } : {}),
  };
}
