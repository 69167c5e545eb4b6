"""input()/getpass through the protocol, and SIGINT."""
import signal
import time


def test_input_with_allow_stdin(fresh_worker):
    worker = fresh_worker()
    requests = []

    def answer(event):
        requests.append(event)
        return "Ada"

    res = worker.execute("print('asking')\nname = input('Name? ')\nprint('got', name)\nname",
                         allow_stdin=True, on_input=answer)
    assert res.status == "ok", res.done
    (request,) = requests
    assert request["prompt"] == "Name? " and request["password"] is False
    assert request["exec_id"] == res.done["id"] and "sync" in request
    assert res.results[0]["data"]["text/plain"] == "'Ada'"
    transcript = [(k, v if k == "text" else v["ev"]) for k, v in res.transcript()]
    assert transcript[0] == ("text", "asking\n")  # the prompt comes after earlier output
    assert transcript[1] == ("event", "input_request")
    assert transcript[2] == ("text", "got Ada\n")


def test_getpass_is_a_password_request(fresh_worker):
    worker = fresh_worker()
    requests = []
    res = worker.execute("import getpass\nsecret = getpass.getpass()\nlen(secret)",
                         allow_stdin=True, on_input=lambda e: requests.append(e) or "hunter2")
    assert res.results[0]["data"]["text/plain"] == "7"
    assert requests[0]["password"] is True and requests[0]["prompt"] == "Password: "


def test_input_without_allow_stdin_is_a_clear_error(worker):
    res = worker.execute("input('x?')", allow_stdin=False)
    assert res.status == "error"
    assert res.done["ename"] == "StdinNotImplementedError"
    assert "does not accept input" in res.done["evalue"]
    assert "Put the value in the code instead." in res.done["evalue"]
    res = worker.execute("import getpass\ngetpass.getpass()", allow_stdin=False)
    assert res.done["ename"] == "StdinNotImplementedError"
    assert res.done["evalue"].startswith("getpass() was called")
    res = worker.execute("try:\n    input()\nexcept NotImplementedError:\n    r = 'caught'\nr")
    assert res.results[0]["data"]["text/plain"] == "'caught'"


def test_queries_are_answered_while_input_waits(fresh_worker):
    worker = fresh_worker()
    exec_id = worker.start_execute("value = input()\nvalue * 2", allow_stdin=True)
    request = worker.next_event()
    assert request["ev"] == "input_request"
    assert worker.request("complete", code="zi", cursor_pos=2)["matches"] == ["zip"]
    worker.send({"op": "input_reply", "id": request["id"], "value": "ab"})
    res = worker.wait_done(exec_id)
    assert res.results[0]["data"]["text/plain"] == "'abab'"


def _interrupt_after(worker, code, delay=0.3):
    worker.execute("import time")
    exec_id = worker.start_execute(code)
    time.sleep(delay)
    sent = time.monotonic()
    worker.proc.send_signal(signal.SIGINT)
    res = worker.wait_done(exec_id, timeout=5)
    return res, time.monotonic() - sent


def test_sigint_stops_sleep_and_busy_loops_and_keeps_the_namespace(fresh_worker):
    worker = fresh_worker()
    worker.execute("kept = 'still here'")
    for code in ("time.sleep(60)", "while True:\n    pass", "sum(i for i in iter(int, 1))"):
        res, elapsed = _interrupt_after(worker, code)
        assert res.status == "error" and res.done["ename"] == "KeyboardInterrupt", code
        assert elapsed < 1.0, (code, elapsed)
        assert res.of("error")[0]["ename"] == "KeyboardInterrupt"
    res = worker.execute("kept")
    assert res.results[0]["data"]["text/plain"] == "'still here'"


def test_sigint_while_idle_does_not_kill_the_worker(fresh_worker):
    worker = fresh_worker()
    for _ in range(3):
        worker.proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
    time.sleep(0.2)
    assert worker.proc.poll() is None
    # And the stale interrupt does not hit the next cell.
    res = worker.execute("import time\ntime.sleep(0.2)\n'fine'")
    assert res.status == "ok" and res.results[0]["data"]["text/plain"] == "'fine'"


def test_sigint_during_input_raises_keyboard_interrupt(fresh_worker):
    worker = fresh_worker()
    exec_id = worker.start_execute("input('waiting')", allow_stdin=True)
    assert worker.next_event()["ev"] == "input_request"
    worker.proc.send_signal(signal.SIGINT)
    res = worker.wait_done(exec_id, timeout=5)
    assert res.done["ename"] == "KeyboardInterrupt"
    assert worker.execute("1 + 1").results[0]["data"]["text/plain"] == "2"


def test_many_interrupts_during_heavy_output_keep_the_protocol_intact(fresh_worker):
    worker = fresh_worker()
    exec_id = worker.start_execute(
        "i = 0\nwhile True:\n    display({'text/plain': 'x' * 5000}, raw=True)\n    i += 1")
    time.sleep(0.2)
    worker.proc.send_signal(signal.SIGINT)
    res = worker.wait_done(exec_id, timeout=5)
    assert res.done["ename"] == "KeyboardInterrupt"
    assert all(d["data"]["text/plain"] == "x" * 5000 for d in res.displays)
    assert worker.execute("i > 0").results[0]["data"]["text/plain"] == "True"


def test_sigint_cancels_top_level_await(fresh_worker):
    worker = fresh_worker()
    worker.execute("import asyncio\nfinished = []\n"
                   "async def slow():\n    await asyncio.sleep(0.5)\n    finished.append(1)")
    res, elapsed = _interrupt_after(worker, "await slow()", delay=0.2)
    assert res.done["ename"] == "KeyboardInterrupt" and elapsed < 1.0
    # The interrupted coroutine does not go on running in a later cell.
    res = worker.execute("await asyncio.sleep(0.6)\nfinished")
    assert res.results[0]["data"]["text/plain"] == "[]"
