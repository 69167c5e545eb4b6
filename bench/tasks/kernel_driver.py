"""One kernel through jupyter_client, as a notebook server drives it: execute a cell with a
deadline (interrupt, then restart, when it passes), time what comes back, and fetch variables
for the judge without leaving a trace in the notebook."""

from __future__ import annotations

import ast
import base64
import os
import pickle
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client import KernelManager
from jupyter_client.blocking.client import BlockingKernelClient

from judge import CellOutputs, FetchError, urls_in

now = time.perf_counter

# How long a kernel has to go idle after an interrupt before it is restarted instead.
INTERRUPT_GRACE_S = 20.0


@dataclass
class Event:
    t: float  # seconds since the execute_request was sent
    msg_type: str
    content: dict[str, Any]


@dataclass
class Execution:
    status: str  # ok | error | timeout
    seconds: float
    events: list[Event] = field(default_factory=list)
    ename: str = ""
    evalue: str = ""
    restarted: bool = False  # the kernel did not stop after the interrupt, so it was restarted

    def outputs(self) -> CellOutputs:
        """The cell's own outputs for the judge: stdout, results and displays, without the
        runner's displays (Luci's application/vnd.luci.* outputs and `luci-` display ids)."""
        text: list[str] = []
        images = 0
        apps: list[str] = []
        for e in self.events:
            app = e.content.get("data", {}).get("application/vnd.luci.app+json") if e.msg_type in ("display_data", "update_display_data") else None
            if isinstance(app, dict) and isinstance(app.get("port"), int):
                apps.append(f"http://127.0.0.1:{app['port']}/")
            if e.msg_type == "stream" and e.content.get("name") == "stdout":
                text.append(e.content.get("text", ""))
            elif e.msg_type in ("execute_result", "display_data") and not is_luci_display(e.content):
                data = e.content.get("data", {})
                if "image/png" in data:
                    images += 1
                if "text/plain" in data:
                    text.append(str(data["text/plain"]) + "\n")
        printed = "".join(text)
        return CellOutputs(text=printed, images=images, status=self.status, urls=apps + urls_in(printed))


def is_luci_display(content: dict[str, Any]) -> bool:
    data = content.get("data", {})
    display_id = str((content.get("transient") or {}).get("display_id", ""))
    return display_id.startswith("luci-") or any(k.startswith("application/vnd.luci") for k in data)


class Kernel:
    """A kernel of the given kernelspec, in `cwd`, with `env` added to this process's environment."""

    def __init__(self, kernel_name: str, cwd: Path, env: dict[str, str] | None = None, log: Path | None = None,
                 startup_timeout: float = 60) -> None:
        self.kernel_name = kernel_name
        self.cwd = cwd
        self.env = {**os.environ, **(env or {})}
        self.log = log  # the kernel's stdout and stderr go here (appended), else nowhere
        self.startup_timeout = startup_timeout
        self.km: KernelManager | None = None
        self.kc: BlockingKernelClient | None = None

    def start(self) -> None:
        self.km = KernelManager(kernel_name=self.kernel_name)
        if self.log is not None:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log, "ab") as out:  # the child keeps its own copy of the descriptor
                self.km.start_kernel(cwd=str(self.cwd), env=self.env, stdout=out, stderr=out)
        else:
            self.km.start_kernel(cwd=str(self.cwd), env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=self.startup_timeout)

    def restart(self) -> None:
        self.shutdown()
        self.start()

    def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=False)
            except Exception:
                self.km.shutdown_kernel(now=True)
            self.km = None

    def __enter__(self) -> Kernel:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    # --------------------------------------------------------------------------------------------

    def execute(self, code: str, timeout: float) -> Execution:
        """Runs a cell and waits for its `idle`, at most `timeout` seconds; then interrupts it (and
        restarts the kernel if it does not stop within INTERRUPT_GRACE_S)."""
        assert self.kc is not None and self.km is not None
        t0 = now()
        msg_id = self.kc.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
        events: list[Event] = []
        deadline = t0 + timeout
        status = "ok"
        ename = evalue = ""
        timed_out = False
        while True:
            left = deadline - now()
            if left <= 0 and not timed_out:
                timed_out = True
                try:
                    self.km.interrupt_kernel()
                except Exception:
                    pass
                deadline = now() + INTERRUPT_GRACE_S
                continue
            if left <= 0:  # the interrupt did not stop it
                self.restart()
                return Execution("timeout", now() - t0, events, "Timeout", f"no answer within {timeout:.0f} s", restarted=True)
            try:
                msg = self.kc.get_iopub_msg(timeout=min(left, 1.0))
            except Empty:
                if not self.km.is_alive():
                    self.restart()
                    return Execution("error", now() - t0, events, "KernelDied", "the kernel died", restarted=True)
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            t = now() - t0
            kind = msg["msg_type"]
            content = msg["content"]
            if kind == "status":
                if content.get("execution_state") == "idle":
                    break
                continue
            if kind == "error":
                status = "error"
                ename, evalue = content.get("ename", ""), content.get("evalue", "")
            if kind in ("stream", "display_data", "update_display_data", "execute_result", "error", "clear_output"):
                events.append(Event(t, kind, content))
        seconds = now() - t0
        # The reply decides: with Luci's self-repair a cell may show an error, then succeed.
        reply = self._reply(msg_id, 10)
        if reply is not None:
            if reply.get("status") == "ok":
                status, ename, evalue = "ok", "", ""
            else:
                status = "error"
                ename, evalue = reply.get("ename", ename) or ename, reply.get("evalue", evalue) or evalue
        if timed_out:
            status, ename, evalue = "timeout", "Timeout", f"no answer within {timeout:.0f} s (interrupted)"
        return Execution(status, seconds, events, ename, evalue)

    def _reply(self, msg_id: str, timeout: float) -> dict[str, Any] | None:
        assert self.kc is not None
        end = now() + timeout
        while now() < end:
            try:
                msg = self.kc.get_shell_msg(timeout=max(0.01, end - now()))
            except Empty:
                return None
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg["content"]
        return None

    def user_expressions(self, expressions: dict[str, str], timeout: float = 60) -> dict[str, Any]:
        """Evaluates expressions in the kernel's namespace through a silent request: nothing is
        shown, stored in history, or added to the namespace."""
        assert self.kc is not None
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions=expressions, allow_stdin=False, stop_on_error=False)
        reply = self._reply(msg_id, timeout)
        # drain this request's IOPub messages so they do not linger
        end = now() + 2
        while now() < end:
            try:
                msg = self.kc.get_iopub_msg(timeout=0.2)
            except Empty:
                break
            if msg.get("parent_header", {}).get("msg_id") == msg_id and msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                break
        if reply is None:
            raise TimeoutError("no reply to the user_expressions request")
        return reply.get("user_expressions", {}) or {}

    def fetch(self, names: list[str]) -> dict[str, Any]:
        """The values of these variables, pickled in the kernel and unpickled here (same Python)."""
        exprs = {n: f"__import__('base64').b64encode(__import__('pickle').dumps({n})).decode()" for n in names}
        try:
            results = self.user_expressions(exprs)
        except Exception as e:
            return {n: FetchError(f"could not ask the kernel: {e}") for n in names}
        values: dict[str, Any] = {}
        for n in names:
            r = results.get(n) or {}
            if r.get("status") != "ok":
                ename = r.get("ename", "no result")
                why = "not defined" if ename == "NameError" else f"{ename}: {r.get('evalue', '')}"
                values[n] = FetchError(why)
                continue
            try:
                text = ast.literal_eval(r["data"]["text/plain"])
                values[n] = pickle.loads(base64.b64decode(text))
            except Exception as e:
                values[n] = FetchError(f"could not be read back: {type(e).__name__}: {e}")
        return values
