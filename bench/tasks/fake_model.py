#!/usr/bin/env python3
"""fake_model.py - an OpenAI-compatible server that answers each benchmark task with its
reference solution, to test the benchmark's model mode without a model (not a measurement).

    python bench/tasks/fake_model.py [--port N] [--fail-first ID,...]

It streams (SSE) an answer made of a one-line plan and one ```python block: for the naive way
(recognised by its system prompt) the reference with the task's parameters assigned; for Luci
the reference alone (Luci assigns the parameters). The task is found by its text in the last
message that holds one (for Luci's prompt, the task that occurs last: earlier cells come first).
With --fail-first, the first answer for those cells (e.g. employees-1) is code that raises
NameError, so Luci's self-repair is exercised: its next request for that cell gets the reference.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from naive_model import SYSTEM_PROMPT
from notebooks import Cell, Notebook, load_all

MODEL = "fake-reference"


class Answers:
    def __init__(self, notebooks: list[Notebook], fail_first: set[str]) -> None:
        self.cells: list[tuple[str, Cell]] = [(nb.cell_id(c), c) for nb in notebooks for c in nb.tasks]
        self.fail_first = set(fail_first)
        self.asked: dict[str, int] = {}
        self.lock = threading.Lock()

    def find(self, messages: list[dict[str, Any]], naive: bool) -> tuple[str, Cell] | None:
        for m in reversed(messages):
            content = str(m.get("content") or "")
            best: tuple[int, str, Cell] | None = None
            for cid, cell in self.cells:
                # Luci's prompt holds the task as written; its parameters may differ (a rerun asked
                # again), so the words before the first parameter identify it
                key = cell.plain if naive else cell.text.split("{", 1)[0]
                at = content.rfind(key)
                if at >= 0 and (best is None or at > best[0] or (at == best[0] and len(key) > len(best[2].text))):
                    best = (at, cid, cell)
            if best is not None:
                return best[1], best[2]
        return None

    def answer(self, messages: list[dict[str, Any]]) -> str:
        naive = any(m.get("role") == "system" and m.get("content") == SYSTEM_PROMPT for m in messages)
        found = self.find(messages, naive)
        if found is None:
            return "I do not know this task.\n\n```python\nprint('unknown task')\n```\n"
        cid, cell = found
        with self.lock:  # counted per runner: each gets the failing answer first
            key = ("naive:" if naive else "luci:") + cid
            n = self.asked[key] = self.asked.get(key, 0) + 1
        code = cell.reference_program if naive else cell.reference
        if cid in self.fail_first and n == 1:
            code = "value_the_fake_model_forgot\n" + code
        return f"1. Do the task ({cid}).\n\n```python\n{code.rstrip()}\n```\n"


def make_handler(answers: Answers, delay: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._json(200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "bench"}]})
            else:
                self._json(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._json(404, {"error": {"message": "not found"}})
                return
            text = answers.answer(request.get("messages") or [])
            created = int(time.time())
            if not request.get("stream"):
                self._json(200, {"id": "fake", "object": "chat.completion", "created": created, "model": MODEL,
                                 "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()

            def send(delta: dict[str, Any], finish: str | None = None) -> None:
                chunk = {"id": "fake", "object": "chat.completion.chunk", "created": created, "model": MODEL,
                         "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

            try:
                send({"role": "assistant", "content": ""})
                for i in range(0, len(text), 24):
                    time.sleep(delay)
                    send({"content": text[i:i + 24]})
                send({}, "stop")
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

    return Handler


def start(port: int = 0, fail_first: set[str] | None = None, delay: float = 0.005) -> tuple[ThreadingHTTPServer, str]:
    """Starts the server in a thread; returns it and its base URL (with /v1)."""
    answers = Answers(load_all(), fail_first or set())
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(answers, delay))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fail-first", default="", help="comma-separated cell ids (e.g. employees-1)")
    args = ap.parse_args()
    server, url = start(args.port, {x for x in args.fail_first.split(",") if x})
    print(url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
