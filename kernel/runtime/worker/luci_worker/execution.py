"""Running a cell the way IPython does.

- `%%magic` first line: the cell magic runs (never "not_python"); `%%python` runs the rest
  as Python (mode "python").
- `name?` / `name??`: help, returned as a pager payload.
- Otherwise: magic lines transformed, compiled with `ast` as `<cell-N>` (registered in
  linecache so tracebacks and inspect.getsource show the lines), all statements executed and
  the last one, if an expression and not ended by `;`, evaluated and shown as execute_result.
- Top-level `await` works (PyCF_ALLOW_TOP_LEVEL_AWAIT; the coroutine runs on a private,
  persistent asyncio loop), and `from __future__` imports stay in force for later cells.
"""

from __future__ import annotations

import _ast as ast  # the C module: `ast` itself imports contextlib & co (5 ms)
import linecache
import sys

from . import hooks, interrupts, state, tracebacks, transform
from .displays import display_result
from .formatting import format_object

TYPE_CHECKING = False
if TYPE_CHECKING:
    from asyncio import AbstractEventLoop
    from types import CodeType
    from typing import Any

    from ._typing import Command, Content, MissingModule, Namespace, Step

CO_COROUTINE = 0x0080  # inspect.CO_COROUTINE, without importing inspect
_TOP_LEVEL_AWAIT = getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0)
_NOT_COMPILING = (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError)
_INTERACTIVITY = ("all", "last", "last_expr", "none", "last_expr_or_assign")


class CellError(Exception):
    """Wraps the user's exception so the caller can tell it from a bug of ours."""


class Executor:
    def __init__(self, namespace: Namespace) -> None:
        self.ns = namespace
        self.future_flags = 0
        self._loop: AbstractEventLoop | None = None
        self._filenames: dict[int, int] = {}
        self._unders: dict[str, Any] = {"_": "", "__": "", "___": ""}
        self._previous_input = ""
        # (source, tree) of the scanned cell, reused by compile_cell
        self._parsed: tuple[str, ast.Module] | None = None
        namespace.update(self._unders)
        namespace["In"] = namespace["_ih"] = [""]
        namespace["Out"] = namespace["_oh"] = {}

    # ------------------------------------------------------------------ compiling

    def new_filename(self, count: int) -> str:
        seen = self._filenames.get(count, 0)
        self._filenames[count] = seen + 1
        return "<cell-%d>" % count if not seen else "<cell-%d.%d>" % (count, seen)

    @staticmethod
    def register_source(filename: str, source: str) -> None:
        lines = source.splitlines(True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"  # as linecache itself does for files
        linecache.cache[filename] = (len(source), None, lines, filename)

    def _note_futures(self, tree: ast.Module) -> None:
        import __future__

        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                for alias in node.names:
                    feature = getattr(__future__, alias.name, None)
                    if feature is not None:
                        self.future_flags |= feature.compiler_flag

    @staticmethod
    def _ends_with_semicolon(source: str, node: ast.stmt) -> bool:
        """Is the expression followed by `;` (IPython: do not show the value)?"""
        lines = source.split("\n")
        # (both are set on parsed nodes)
        end_lineno, end_col_offset = node.end_lineno or 0, node.end_col_offset or 0
        line = lines[end_lineno - 1].encode("utf-8")[end_col_offset:]
        rest = line.decode("utf-8", "replace") + "\n" + "\n".join(lines[end_lineno:])
        for text_line in rest.split("\n"):
            text_line = text_line.split("#", 1)[0].strip()
            if text_line:
                return text_line.startswith(";")
        return False

    @staticmethod
    def interactivity() -> str:
        """IPython's InteractiveShell.ast_node_interactivity, if user code set it (notebooks
        do `InteractiveShell.ast_node_interactivity = "all"`), else "last_expr"."""
        module = sys.modules.get("IPython.core.interactiveshell")
        shell_class = getattr(module, "InteractiveShell", None)
        value: str | None = getattr(shell_class, "ast_node_interactivity", None)
        return value if value in _INTERACTIVITY else "last_expr"

    def compile_cell(
        self, source: str, filename: str, interactivity: str = "last_expr"
    ) -> list[Step]:
        """[(code, show_value)] in execution order. Raises SyntaxError & co.

        show_value steps are expressions whose value is displayed: the last statement if it
        is an expression and the cell does not end with `;` ("last_expr"), every top-level
        expression ("all"), also the target of a final assignment ("last_expr_or_assign"),
        or none ("none").
        """
        parsed, self._parsed = self._parsed, None
        if parsed is not None and parsed[0] == source:
            tree = parsed[1]  # the import scan parsed this very text
        else:
            tree = self.parse(source, filename)
        self._note_futures(tree)
        code_flags = _TOP_LEVEL_AWAIT | self.future_flags
        body = tree.body
        shown: set[int] = set()
        extra: ast.expr | None = None
        quiet = bool(body) and self._ends_with_semicolon(source, body[-1])
        if body and interactivity != "none":
            if interactivity == "all":
                shown = {i for i, node in enumerate(body) if isinstance(node, ast.Expr)}
            elif isinstance(body[-1], ast.Expr):
                shown = {len(body) - 1}
            elif interactivity == "last_expr_or_assign":
                extra = self._assigned_name(body[-1])
            if quiet:
                shown.discard(len(body) - 1)
                extra = None

        def compiled(nodes: list[ast.stmt]) -> CodeType:
            module = ast.Module(body=nodes, type_ignores=[])
            code: CodeType = compile(module, filename, "exec", code_flags, dont_inherit=True)
            return code

        steps: list[Step] = []
        pending: list[ast.stmt] = []
        for index, node in enumerate(body):
            if index in shown:
                if pending:
                    steps.append((compiled(pending), False))
                    pending = []
                assert isinstance(node, ast.Expr)  # shown: expression statements only
                expression = ast.Expression(body=node.value)
                steps.append(
                    (compile(expression, filename, "eval", code_flags, dont_inherit=True), True)
                )
            else:
                pending.append(node)
        if pending or not steps:
            steps.append((compiled(pending), False))
        if extra is not None:
            steps.append(
                (
                    compile(
                        ast.Expression(body=extra), filename, "eval", code_flags, dont_inherit=True
                    ),
                    True,
                )
            )
        return steps

    def parse(self, source: str, filename: str) -> ast.Module:
        flags = ast.PyCF_ONLY_AST | _TOP_LEVEL_AWAIT | self.future_flags
        tree: ast.Module = compile(source, filename, "exec", flags, dont_inherit=True)
        return tree

    def scan_imports(self, code: str) -> list[MissingModule]:
        """The modules the cell would import that are missing (PROTOCOL.md: import scan).

        Looks at what would run as Python: the cell after magic transforms, the body of
        %%python, %%time, %%timeit and %%capture. A cell that does not parse is not scanned.
        """
        cell_magic = transform.split_cell_magic(code)
        offset = 0
        if cell_magic:
            if cell_magic[0] not in ("python", "time", "timeit", "capture"):
                return []
            body = cell_magic[2]
            offset = code.count("\n") - body.count("\n")
        else:
            if transform.help_request(code):
                return []
            body = code
        source = transform.transform_cell(body)
        if "import" not in source:
            return []
        try:
            tree = self.parse(source, "<cell>")
        except _NOT_COMPILING:
            return []
        from . import imports

        if not cell_magic:
            self._parsed = (source, tree)
        return imports.missing(tree, source, offset)

    @staticmethod
    def _assigned_name(node: ast.stmt) -> ast.Name | None:
        """`x = ...` / `x: T = ...` / `x += ...` as a Name to load, for last_expr_or_assign."""
        target: ast.expr
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            target = node.target
        else:
            return None
        if not isinstance(target, ast.Name):
            return None
        return ast.Name(
            id=target.id,
            ctx=ast.Load(),
            lineno=target.lineno,
            col_offset=target.col_offset,
            end_lineno=target.end_lineno,
            end_col_offset=target.end_col_offset,
        )

    # ------------------------------------------------------------------ running

    def run_code(self, code: CodeType, local_ns: Namespace | None = None) -> Any:
        """Run a code object in the user namespace; await it if it is a coroutine."""
        if code.co_flags & CO_COROUTINE:
            return self._run_coroutine(eval(code, self.ns, local_ns))
        return eval(code, self.ns, local_ns)

    def _run_coroutine(self, coroutine: Any) -> Any:
        """Run top-level-await code on our loop (kept across cells, so tasks survive)."""
        if self._loop is None or self._loop.is_closed():
            import asyncio

            self._loop = asyncio.new_event_loop()
        task = self._loop.create_task(coroutine)
        try:
            return self._loop.run_until_complete(task)
        except KeyboardInterrupt:
            # Interrupted: cancel the cell's task so that it does not go on in a later cell.
            task.cancel()
            try:
                self._loop.run_until_complete(task)
            except BaseException:
                pass
            raise

    def run_source(self, source: str, filename: str, local_ns: Namespace | None = None) -> Any:
        """Compile and run source; return the last expression's value (%%time, %%capture)."""
        self.register_source(filename, source)
        value = None
        for code, show in self.compile_cell(source, filename):
            value = self.run_code(code, local_ns)
            if not show:
                value = None
        return value

    def _publish_result(self, value: Any, count: int, store_history: bool) -> None:
        ns = self.ns
        if value is ns.get("Out"):
            display_result(value)
            return
        users_own = any(name in ns and ns[name] is not mine for name, mine in self._unders.items())
        self._unders = {"___": self._unders["__"], "__": self._unders["_"], "_": value}
        if not users_own:
            ns.update(self._unders)
        if store_history:
            ns["_%d" % count] = value
            if isinstance(ns.get("Out"), dict):  # the user may have deleted or rebound it
                ns["Out"][count] = value
        display_result(value)

    def _store_input(self, code: str, count: int) -> None:
        ns = self.ns
        history = ns.get("In")
        if isinstance(history, list):
            while len(history) <= count:
                history.append("")
            history[count] = code
        ns["_iii"], ns["_ii"], ns["_i"] = ns.get("_ii", ""), ns.get("_i", ""), self._previous_input
        ns["_i%d" % count] = code
        self._previous_input = code

    def _run_user(
        self, code: str, mode: str, silent: bool, store_history: bool, count: int, reply: Content
    ) -> None:
        """Everything that runs user code. Raises CellError for the user's exceptions."""
        cell_magic = transform.split_cell_magic(code)
        if cell_magic and cell_magic[0] == "python":
            # Keep line numbers: the magic's line becomes an empty line.
            code_to_run, mode = "\n" + cell_magic[2], "python"
        elif cell_magic:
            from . import magics

            try:
                value = magics.run_cell_magic(*cell_magic)
            except BaseException as exc:
                raise CellError() from exc
            if value is not None and not silent:
                self._publish_result(value, count, store_history)
            return
        else:
            code_to_run = code

        help_request = transform.help_request(code_to_run)
        if help_request:
            from . import inspection

            text = inspection.help_text(help_request[0], help_request[1], self.ns)
            if text is None and mode == "auto":
                # "Why?" is a question for the kernel, not help on a name that does not exist.
                self._not_python(code_to_run, reply)
                return
            if text is None:
                print("Object `%s` not found." % help_request[0])
            else:
                reply["payload"].append(
                    {"source": "page", "data": {"text/plain": text}, "start": 0}
                )
            return

        source = transform.transform_cell(code_to_run)
        filename = self.new_filename(count)
        self.register_source(filename, code)
        try:
            steps = self.compile_cell(source, filename, "none" if silent else self.interactivity())
        except _NOT_COMPILING as exc:
            if mode == "auto":
                self._not_python(code_to_run, reply, exc)
                return
            raise CellError() from exc
        try:
            for step, show in steps:
                value = self.run_code(step)
                if show and value is not None:
                    self._publish_result(value, count, store_history)
        except BaseException as exc:
            raise CellError() from exc

    @staticmethod
    def _not_python(source: str, reply: Content, exc: BaseException | None = None) -> None:
        if exc is None:
            try:
                compile(source, "<cell>", "exec", dont_inherit=True)
            except _NOT_COMPILING as error:
                exc = error
        reply["status"] = "not_python"
        reply["syntax_error"] = {
            "msg": getattr(exc, "msg", None) or str(exc or "not Python"),
            "lineno": getattr(exc, "lineno", None),
            "offset": getattr(exc, "offset", None),
            "text": getattr(exc, "text", None),
        }

    def _user_expressions(self, expressions: dict[str, Any]) -> dict[str, Content]:
        results: dict[str, Content] = {}
        for key, expression in expressions.items():
            try:
                value = eval(compile(str(expression), "<user_expression>", "eval"), self.ns)
                data, md = format_object(value)
                results[key] = {"status": "ok", "data": data, "metadata": md}
            except (Exception, KeyboardInterrupt) as exc:
                ename, evalue, tb = tracebacks.format_exception(exc)
                results[key] = {
                    "status": "error",
                    "ename": ename,
                    "evalue": evalue,
                    "traceback": tb,
                }
        return results

    def execute(self, cmd: Command) -> Content:
        """Run one execute command; send result/display/error events; return done's fields."""
        if cmd.get("packages_changed"):
            from . import imports

            imports.invalidate()
        code = str(cmd.get("code") or "")
        mode = cmd.get("mode") or "python"
        silent = bool(cmd.get("silent"))
        store_history = bool(cmd.get("store_history", True)) and not silent
        count = int(cmd.get("execution_count") or 0)
        state.exec_id = cmd.get("id")
        state.silent = silent
        state.allow_stdin = bool(cmd.get("allow_stdin"))
        state.execution_count = count
        state.msg_id = str(cmd.get("msg_id") or "")
        state.msg_type = "execute_request"
        reply: Content = {"status": "ok", "user_expressions": {}, "payload": []}
        self._parsed = None
        if cmd.get("scan"):
            missing = self.scan_imports(code)
            if missing:
                # Nothing runs (and nothing is stored): the kernel installs and sends it again.
                reply.update(status="missing_modules", modules=missing)
                return reply
        hooks.cell_event("before_cell")
        hooks.cell_event("cell_started")
        if store_history:
            self._store_input(code, count)
        error: BaseException | None = None
        interrupts.enter_user()
        try:
            try:
                self._run_user(code, mode, silent, store_history, count, reply)
            finally:
                if not silent:
                    # (the figures the cell left open are shown even after an error, as IPython)
                    hooks.cell_event("output_done")
            if reply["status"] == "ok" and cmd.get("user_expressions"):
                reply["user_expressions"] = self._user_expressions(cmd["user_expressions"])
        except CellError as wrapped:
            error = wrapped.__cause__
        except KeyboardInterrupt as late:  # arrived in our code between two user steps
            error = late
        finally:
            interrupts.leave_user()
        hooks.cell_event("after_cell")
        if error is not None:
            self._report(error, reply)
            if isinstance(error, ModuleNotFoundError):
                from . import imports

                missing_module = imports.missing_at_run_time(error)
                if missing_module:
                    reply["missing_module"] = missing_module
        return reply

    def _report(self, exc: BaseException, reply: Content) -> None:
        sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, exc.__traceback__
        if sys.version_info >= (3, 12):
            sys.last_exc = exc
        ename, evalue, tb = tracebacks.format_exception(exc)
        state.get_events().send(
            {"ev": "error", "id": state.exec_id, "ename": ename, "evalue": evalue, "traceback": tb},
            sync=True,
        )
        reply.update(status="error", ename=ename, evalue=evalue, traceback=tb)
