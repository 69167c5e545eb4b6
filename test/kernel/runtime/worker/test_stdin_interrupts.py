"""input()/getpass through the protocol, and SIGINT."""
import signal
import time

from worker_harness import wait_until


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


def _interrupt_when_running(worker, code):
    """Runs code after a line that says it started; sends SIGINT once that line is out. The
    code never ends by itself within the deadline, so only the interrupt can end the cell."""
    worker.execute("import os, time")
    marker = "running-%d" % worker.new_id()
    exec_id = worker.start_execute("os.write(1, b'%s\\n')\n%s" % (marker, code))
    wait_until(lambda: marker in worker.out.text(), "the cell to start")
    worker.proc.send_signal(signal.SIGINT)
    return worker.wait_done(exec_id)


def test_sigint_stops_sleep_and_busy_loops_and_keeps_the_namespace(fresh_worker):
    worker = fresh_worker()
    worker.execute("kept = 'still here'")
    for code in ("time.sleep(600)", "while True:\n    pass", "sum(i for i in iter(int, 1))"):
        res = _interrupt_when_running(worker, code)
        assert res.status == "error" and res.done["ename"] == "KeyboardInterrupt", code
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
    res = worker.wait_done(exec_id)
    assert res.done["ename"] == "KeyboardInterrupt"
    assert worker.execute("1 + 1").results[0]["data"]["text/plain"] == "2"


def test_many_interrupts_during_heavy_output_keep_the_protocol_intact(fresh_worker):
    worker = fresh_worker()
    exec_id = worker.start_execute(
        "import os\ni = 0\nwhile True:\n    display({'text/plain': 'x' * 5000}, raw=True)\n    i += 1\n"
        "    if i == 1:\n        os.write(1, b'looping\\n')")
    wait_until(lambda: "looping" in worker.out.text(), "the first display")
    worker.proc.send_signal(signal.SIGINT)
    res = worker.wait_done(exec_id)
    assert res.done["ename"] == "KeyboardInterrupt"
    assert all(d["data"]["text/plain"] == "x" * 5000 for d in res.displays)
    assert worker.execute("i > 0").results[0]["data"]["text/plain"] == "True"


def test_sigint_cancels_top_level_await(fresh_worker):
    worker = fresh_worker()
    worker.execute("import asyncio\nfinished, cancelled = [], []\n"
                   "async def slow():\n    try:\n        await asyncio.sleep(600)\n"
                   "        finished.append(1)\n    except asyncio.CancelledError:\n"
                   "        cancelled.append(1)\n        raise")
    res = _interrupt_when_running(worker, "await slow()")
    assert res.done["ename"] == "KeyboardInterrupt"
    # The interrupted coroutine was cancelled: it does not go on running in a later cell.
    # On the worker's loop, the cell's own task is then the only one.
    res = worker.execute("async def tasks():\n    return len(asyncio.all_tasks())\n"
                         "(finished, cancelled, await tasks())")
    assert res.results[0]["data"]["text/plain"] == "([], [1], 1)"
