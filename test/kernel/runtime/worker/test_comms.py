"""The worker's comm manager (luci_worker/comms.py, PROTOCOL.md "Comms"), driven over the real
protocol: comms Python opens, comms a client opens to a target registered in Python, buffers
both ways, errors and interrupts in handlers, get_ipython() and the parent a handler runs under.
"""
import base64
import signal

import pytest
from worker_harness import WORKER_PYTHON, python_has, wait_until

HAS_COMM = python_has(WORKER_PYTHON, "comm")


def send_comm(worker, op, comm_id, data=None, msg_id="client-msg", buffers=(), **fields):
    """Send a client's comm command; return the id to wait for (its done event)."""
    command_id = worker.new_id()
    command = {
        "op": op,
        "id": command_id,
        "msg_id": msg_id,
        "comm_id": comm_id,
        "data": data or {},
        "metadata": {},
        "buffers": [base64.b64encode(b).decode() for b in buffers],
    }
    command.update(fields)
    worker.send(command)
    return command_id


@pytest.fixture
def comm_worker(fresh_worker):
    """A worker of its own whose Python has the comm package, which the tests of comms opened
    or registered in Python need; skipped, as each of them was, where it has none."""
    if not HAS_COMM:
        pytest.skip("the worker's Python has no comm package")
    return fresh_worker()


def comm_events(result, msg_type=None):
    events = result.of("comm")
    return [e for e in events if msg_type is None or e["msg_type"] == msg_type]


def test_comms_python_opens_go_out_as_events(comm_worker):
    worker = comm_worker
    res = worker.execute(
        "import comm\n"
        "c = comm.create_comm(target_name='t.x', data={'a': 1}, metadata={'v': '2'},"
        " buffers=[b'xy', memoryview(b'z')])\n"
        "c.send({'b': 2})\n"
        "c.close()\n"
        "from comm.base_comm import BaseComm\n"
        "print(isinstance(c, BaseComm), c.comm_id in comm.get_comm_manager().comms)"
    )
    assert res.status == "ok", res.done
    opened, sent, closed = comm_events(res)
    assert opened["msg_type"] == "comm_open" and opened["id"] == res.done["id"]
    assert opened["content"]["target_name"] == "t.x"
    assert opened["content"]["data"] == {"a": 1}
    assert opened["metadata"] == {"v": "2"}
    assert [base64.b64decode(b) for b in opened["buffers"]] == [b"xy", b"z"]
    comm_id = opened["content"]["comm_id"]
    assert sent["msg_type"] == "comm_msg" and sent["content"] == {"comm_id": comm_id, "data": {"b": 2}}
    assert closed["msg_type"] == "comm_close" and closed["content"]["comm_id"] == comm_id
    # A BaseComm of the comm package (isinstance holds), unregistered once closed.
    assert res.stdout == "True False\n"


def test_comms_a_client_opens_a_target_registered_in_python(comm_worker):
    worker = comm_worker
    res = worker.execute(
        "import comm\n"
        "seen = []\n"
        "def target(c, msg):\n"
        "    seen.append(('open', msg['content']['data'], msg['header']['msg_id']))\n"
        "    def on_msg(m):\n"
        "        print('got', m['content']['data'])\n"
        "        c.send({'echo': m['content']['data']}, buffers=[bytes(b)[::-1] for b in m['buffers']])\n"
        "    c.on_msg(on_msg)\n"
        "    c.on_close(lambda m: seen.append(('close', m['content']['data'])))\n"
        "comm.get_comm_manager().register_target('echo', target)\n"
    )
    assert res.status == "ok", res.done
    opened = worker.wait_done(send_comm(worker, "comm_open", "c1", {"hi": 1}, target_name="echo", msg_id="m-open"))
    assert opened.status == "ok" and comm_events(opened) == []
    got = worker.wait_done(send_comm(worker, "comm_msg", "c1", {"n": 5}, buffers=[b"abc"], msg_id="m-msg"))
    assert got.status == "ok"
    assert got.stdout == "got {'n': 5}\n"  # the handler's output, in its own span
    (echo,) = comm_events(got, "comm_msg")
    assert echo["id"] == got.done["id"]
    assert echo["content"] == {"comm_id": "c1", "data": {"echo": {"n": 5}}}
    assert [base64.b64decode(b) for b in echo["buffers"]] == [b"cba"]
    closed = worker.wait_done(send_comm(worker, "comm_close", "c1", {"bye": True}))
    assert closed.status == "ok"
    res = worker.execute("seen, comm.get_comm_manager().comms")
    assert res.results[0]["data"]["text/plain"] == (
        "([('open', {'hi': 1}, 'm-open'), ('close', {'bye': True})], {})"
    )


def test_comms_an_unknown_target_is_closed_at_once(fresh_worker):
    worker = fresh_worker()
    res = worker.wait_done(send_comm(worker, "comm_open", "c9", target_name="nobody"))
    assert res.status == "ok"
    assert [(e["msg_type"], e["content"]["comm_id"]) for e in comm_events(res)] == [("comm_close", "c9")]
    assert "nobody" in res.stderr
    # A message to a comm that does not exist is ignored.
    assert worker.wait_done(send_comm(worker, "comm_msg", "c9")).status == "ok"


def test_comms_an_exception_in_a_handler_is_the_messages_error(comm_worker):
    worker = comm_worker
    worker.execute(
        "import comm\n"
        "def target(c, msg):\n"
        "    c.on_msg(lambda m: 1 / 0)\n"
        "comm.get_comm_manager().register_target('bad', target)\n"
    )
    worker.wait_done(send_comm(worker, "comm_open", "c2", target_name="bad"))
    res = worker.wait_done(send_comm(worker, "comm_msg", "c2"))
    assert res.status == "error" and res.done["ename"] == "ZeroDivisionError"
    assert [e["ename"] for e in res.of("error")] == ["ZeroDivisionError"]
    assert worker.execute("print('still serving')").stdout == "still serving\n"


def test_comms_an_interrupt_stops_a_handler_and_the_worker_serves_on(comm_worker):
    worker = comm_worker
    worker.execute(
        "import comm, time\n"
        "def target(c, msg):\n"
        "    c.on_msg(lambda m: (print('sleeping', flush=True), time.sleep(60)))\n"
        "comm.get_comm_manager().register_target('slow', target)\n"
    )
    worker.wait_done(send_comm(worker, "comm_open", "c3", target_name="slow"))
    command_id = send_comm(worker, "comm_msg", "c3")
    wait_until(lambda: "sleeping" in worker.out.text(), "the handler to start")
    worker.proc.send_signal(signal.SIGINT)
    res = worker.wait_done(command_id)
    assert res.status == "error" and res.done["ename"] == "KeyboardInterrupt"
    res = worker.execute("comm.get_comm_manager().get_comm('c3') is not None")
    assert res.results[0]["data"]["text/plain"] == "True"  # the comm stays open


def test_comms_get_ipython_kernel_answers_the_request_being_run(fresh_worker):
    worker = fresh_worker()
    res = worker.execute(
        "from IPython import get_ipython\n"
        "ip = get_ipython()\n"
        "print(ip.kernel.get_parent()['header']['msg_id'])\n"
        "def target(c, msg):\n"
        "    c.on_msg(lambda m: print(ip.kernel.get_parent()['header']))\n"
        "ip.kernel.comm_manager.register_target('parent', target)\n",
        msg_id="exec-1",
    )
    assert res.status == "ok", res.done
    assert res.stdout == "exec-1\n"
    worker.wait_done(send_comm(worker, "comm_open", "c4", target_name="parent"))
    res = worker.wait_done(send_comm(worker, "comm_msg", "c4", msg_id="comm-7"))
    assert res.stdout == "{'msg_id': 'comm-7', 'msg_type': 'comm_msg'}\n"


def test_comms_showtraceback_publishes_the_error(fresh_worker):
    worker = fresh_worker()
    res = worker.execute(
        "from IPython import get_ipython\n"
        "try:\n"
        "    {}['missing']\n"
        "except KeyError:\n"
        "    get_ipython().showtraceback()\n"
        "print('after')"
    )
    assert res.status == "ok", res.done
    assert [(e["ename"], e["evalue"]) for e in res.of("error")] == [("KeyError", "'missing'")]
    assert res.stdout == "after\n"


def test_comms_work_with_the_ipython_shim_and_no_comm_package(fresh_worker, plain_python):
    worker = fresh_worker(python=plain_python)
    res = worker.execute(
        "from IPython import get_ipython\n"
        "manager = get_ipython().kernel.comm_manager\n"
        "manager.register_target('t', lambda c, msg: c.send({'opened': True}))\n"
    )
    assert res.status == "ok", res.done
    res = worker.wait_done(send_comm(worker, "comm_open", "c5", target_name="t"))
    assert [(e["msg_type"], e["content"]["data"]) for e in comm_events(res)] == [
        ("comm_msg", {"opened": True})
    ]
