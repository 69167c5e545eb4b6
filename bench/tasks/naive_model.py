"""The naive way: the task text to an OpenAI-compatible endpoint with a one-sentence system
prompt, streamed, and the first ```python block of the answer, as a user would copy it."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

now = time.perf_counter

SYSTEM_PROMPT = "Write Python code for the user's task. Answer with one ```python code block."

# A fence line: ``` and an optional language, alone on its line.
FENCE = re.compile(r"^[ \t]*```[ \t]*([\w+-]*)[ \t]*$")


def is_closing_fence(line: str) -> bool:
    m = FENCE.match(line)
    return m is not None and not m.group(1)


def first_python_block(answer: str) -> str | None:
    """The first fenced block marked python (or py, python3) or with no language at all, as a user
    copies it out of the answer: fences pair up in order, so a json block before it is skipped."""
    lines = answer.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if is_closing_fence(lines[j])), None)
        if end is None:
            return None
        if m.group(1).lower() in ("", "python", "py", "python3"):
            return "\n".join(lines[i + 1:end]) + "\n"
        i = end + 1
    return None


@dataclass
class Answer:
    text: str
    seconds: float  # request sent -> stream ended (or given up)
    ttft: float | None  # request sent -> first content token
    finish_reason: str | None = None
    error: str | None = None  # the request failed, or the deadline passed ("timeout")


def api_url(base_url: str, path: str) -> str:
    """`base_url` as the OpenAI clients take it (with its /v1), joined with `path`."""
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def _headers(api_key: str | None) -> dict[str, str]:
    h = {"Content-Type": "application/json"}
    if api_key:
        h["Authorization"] = f"Bearer {api_key}"
    return h


def first_model(base_url: str, api_key: str | None = None, timeout: float = 10) -> str:
    """The first model the endpoint lists (GET /models), as Luci does for a server it finds."""
    req = urllib.request.Request(api_url(base_url, "models"), headers=_headers(api_key))
    with urllib.request.urlopen(req, timeout=timeout) as r:
        data = json.load(r)
    models = data.get("data") or []
    if not models:
        raise RuntimeError(f"{base_url} lists no models")
    return str(models[0]["id"])


def ask(base_url: str, model: str, task: str, *, api_key: str | None = None, temperature: float = 0.1,
        max_tokens: int | None = 8192, timeout: float = 180) -> Answer:
    """Streams one answer; gives up (closing the connection, which stops the generation) when
    `timeout` seconds have passed since the request was sent."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": task}],
        "temperature": temperature,
        "stream": True,
    }
    if max_tokens:
        body["max_tokens"] = max_tokens
    req = urllib.request.Request(api_url(base_url, "chat/completions"), data=json.dumps(body).encode(), headers=_headers(api_key), method="POST")
    t0 = now()
    deadline = t0 + timeout
    parts: list[str] = []
    ttft: float | None = None
    finish: str | None = None
    try:
        with urllib.request.urlopen(req, timeout=max(1.0, timeout)) as resp:
            for raw in resp:
                if now() > deadline:
                    return Answer("".join(parts), now() - t0, ttft, finish, "timeout")
                line = raw.decode("utf-8", errors="replace").strip()
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    break
                try:
                    chunk = json.loads(payload)
                except ValueError:
                    continue
                if chunk.get("error"):
                    return Answer("".join(parts), now() - t0, ttft, finish, f"server error: {chunk['error']}")
                for choice in chunk.get("choices") or []:
                    token = (choice.get("delta") or {}).get("content") or ""
                    if token:
                        if ttft is None:
                            ttft = now() - t0
                        parts.append(token)
                    finish = choice.get("finish_reason") or finish
    except (socket.timeout, TimeoutError):
        return Answer("".join(parts), now() - t0, ttft, finish, "timeout")
    except urllib.error.HTTPError as e:
        return Answer("".join(parts), now() - t0, ttft, finish, f"HTTP {e.code}: {e.read()[:300].decode(errors='replace')}")
    except (urllib.error.URLError, OSError) as e:
        return Answer("".join(parts), now() - t0, ttft, finish, f"request failed: {e}")
    return Answer("".join(parts), now() - t0, ttft, finish)
