"""Conformance: jupyter_kernel_test's KernelTests against the installed "luci" kernelspec.

jupyter_kernel_test (0.7) starts the kernel once for the class with jupyter_client's
start_new_kernel, drives it over the real ZeroMQ channels and validates every message against
its message-spec schemas. Each attribute below turns on one optional check; every one that
applies to a Python kernel is on. A few Luci-specific checks that need the same running kernel
follow at the end.

Run (the kernelspec must be installed; see conftest.py):
    .venv/bin/python -m pytest test/conformance -q
"""

import base64
import os

import jupyter_kernel_test
import pytest
from jupyter_kernel_test import TIMEOUT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True, scope="module")
def _kernelspec_is_installed(luci_kernelspec):
    """Fail (not skip) with a useful message when the kernelspec is missing."""
    assert luci_kernelspec.language == "python"


class LuciKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "luci"

    @classmethod
    def setUpClass(cls):
        """The kernel runs in its folder's own environment. Install matplotlib there first, so
        that the samples below test the protocol and not the first-use install (whose progress
        display would be the first display_data of the plotting sample).

        Needs the public package index (PyPI, through uv's cache when warm), as a user's first
        plot does: one of the few tests that do (the rest use a loopback index)."""
        super().setUpClass()
        reply = cls.kc.execute_interactive("%pip install matplotlib", timeout=600, output_hook=lambda msg: None)
        assert reply["content"]["status"] == "ok", reply["content"]

    # kernel_info_reply.language_info
    language_name = "python"
    file_extension = ".py"

    code_hello_world = "print('hello, world')"
    code_stderr = "import sys; print('to stderr', file=sys.stderr)"

    # complete_request at the end of the text; the matches must be exactly these
    completion_samples = [
        {"text": "zi", "matches": {"zip"}},
        {"text": "isinst", "matches": {"isinstance"}},
    ]

    # is_complete_request
    complete_code_samples = [
        "1",
        "print('hello, world')",
        "import os",
        "def f(x):\n    return x * 2\n\n\n",
    ]
    incomplete_code_samples = [
        "for i in range(3):",
        "print('''hello",
        "x = [1,",
        "def f(x):\n    return x * 2",
    ]
    # A cell that does not parse as Python is a task in Luci; is_complete still answers "invalid"
    # for text that cannot become Python by adding lines (as IPython does; a console then runs it
    # at once, which is also right for a task). Plain-language tasks answer "invalid" too, but that
    # is Luci's own choice, so it is not part of this conformance list.
    invalid_code_samples = [
        "import = 7q",
        "x = = 1",
        ")",
        "a = 1)",
    ]

    # `name?` gives a page payload with text/plain
    code_page_something = "zip?"

    # an error reply and exactly one IOPub error message
    code_generate_error = "raise"

    # execute_result; the codes are also used by the history checks
    code_execute_result = [
        {"code": "1+2+3", "result": "6"},
        {"code": "[n * n for n in range(1, 4)]", "result": "[1, 4, 9]"},
        {"code": "'lu' + 'ci'", "result": "'luci'"},
        {"code": "from IPython.display import HTML\nHTML('<b>bold</b>')", "mime": "text/html",
         "result": "<b>bold</b>"},
        {"code": "class Money:\n    def _repr_html_(self):\n        return '<i>3 EUR</i>'\n"
                 "    def _repr_markdown_(self):\n        return '*3 EUR*'\nMoney()",
         "mime": "text/markdown", "result": "*3 EUR*"},
    ]

    # display_data with the given mime type
    code_display_data = [
        {"code": "from IPython.display import display, HTML\ndisplay(HTML('<b>test</b>'))",
         "mime": "text/html"},
        {"code": "from IPython.display import display, Markdown\ndisplay(Markdown('**md**'))",
         "mime": "text/markdown"},
        {"code": "from IPython.display import display, Latex\ndisplay(Latex(r'$x^2$'))",
         "mime": "text/latex"},
        {"code": "from IPython.display import display, JSON\ndisplay(JSON({'a': 1}))",
         "mime": "application/json"},
        {"code": "from IPython.display import display, SVG\n"
                 "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"></svg>'))",
         "mime": "image/svg+xml"},
        {"code": "from IPython.display import display\ndisplay('plain')", "mime": "text/plain"},
        {"code": "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()",
         "mime": "image/png"},
    ]

    # history_request: must match exactly one distinct code of code_execute_result
    code_history_pattern = "1?2*"
    supported_history_operations = ("tail", "range", "search")

    # inspect_request finds it
    code_inspect_sample = "zip"

    # a clear_output message
    code_clear_output = "from IPython.display import clear_output\nclear_output()"

    # ----------------------------------------------------------------------------------------
    # Luci-specific checks on the same kernel

    def test_luci_kernel_info_protocol(self):
        self.flush_channels()
        self.kc.kernel_info()
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        content = reply["content"]
        self.assertEqual(reply["header"]["version"], "5.3")
        self.assertEqual(content["protocol_version"], "5.3")
        self.assertEqual(content["status"], "ok")
        info = content["language_info"]
        self.assertEqual(info["name"], "python")
        self.assertEqual(info.get("mimetype"), "text/x-python")
        self.assertRegex(info.get("version", ""), r"^3\.\d+")

    def test_luci_state_and_execution_count(self):
        self.flush_channels()
        reply1, _ = self.execute_helper("luci_state = 41")
        reply2, outputs = self.execute_helper("luci_state + 1")
        self.assertEqual(reply1["content"]["status"], "ok")
        self.assertEqual(reply2["content"]["status"], "ok")
        self.assertEqual(reply2["content"]["execution_count"], reply1["content"]["execution_count"] + 1)
        results = [m for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(results), 1, outputs)
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "42")
        self.assertEqual(results[0]["content"]["execution_count"], reply2["content"]["execution_count"])

    def test_luci_silent_does_not_count(self):
        self.flush_channels()
        before, _ = self.execute_helper("pass")
        _, outputs = self.execute_helper("1 + 1", silent=True, store_history=False)
        after, _ = self.execute_helper("pass")
        self.assertEqual([m for m in outputs if m["msg_type"] == "execute_result"], [])
        self.assertEqual(after["content"]["execution_count"], before["content"]["execution_count"] + 1)

    def test_luci_error_content(self):
        self.flush_channels()
        reply, outputs = self.execute_helper("1 / 0")
        content = reply["content"]
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "ZeroDivisionError")
        errors = [m for m in outputs if m["msg_type"] == "error"]
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0]["content"]["ename"], "ZeroDivisionError")
        self.assertTrue(errors[0]["content"]["traceback"])
        # the kernel still works afterwards
        reply, _ = self.execute_helper("'still here'")
        self.assertEqual(reply["content"]["status"], "ok")

    def test_luci_subprocess_output_is_captured(self):
        # output written by a child process (file-descriptor level capture, as ipykernel does)
        self.flush_channels()
        code = ("import subprocess, sys\n"
                "subprocess.run([sys.executable, '-c', 'print(\"from a child process\")'], check=True)")
        reply, outputs = self.execute_helper(code, timeout=30)
        self.assertEqual(reply["content"]["status"], "ok")
        text = "".join(m["content"]["text"] for m in outputs
                       if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")
        self.assertIn("from a child process", text)

    def test_luci_display_update_by_display_id(self):
        self.flush_channels()
        code = ("from IPython.display import display, update_display\n"
                "display('first', display_id='luci-progress')\n"
                "update_display('second', display_id='luci-progress')")
        reply, outputs = self.execute_helper(code)
        self.assertEqual(reply["content"]["status"], "ok")
        kinds = [m["msg_type"] for m in outputs]
        self.assertEqual(kinds, ["display_data", "update_display_data"], outputs)
        for m in outputs:
            self.assertEqual(m["content"]["transient"]["display_id"], "luci-progress")
        self.assertEqual(outputs[1]["content"]["data"]["text/plain"], "'second'")

    def test_luci_matplotlib_png_decodes(self):
        self.flush_channels()
        code = "import matplotlib.pyplot as plt\nplt.figure(figsize=(2, 2))\nplt.plot([1, 2])\nplt.show()"
        reply, outputs = self.execute_helper(code, timeout=60)
        self.assertEqual(reply["content"]["status"], "ok")
        pngs = [m["content"]["data"]["image/png"] for m in outputs
                if m["msg_type"] == "display_data" and "image/png" in m["content"]["data"]]
        self.assertEqual(len(pngs), 1, outputs)
        self.assertTrue(base64.b64decode(pngs[0]).startswith(PNG_SIGNATURE))


class LuciContainerKernelTests(LuciKernelTests):
    """Every check above again with the "luci-container" kernelspec: the notebook's code in its own
    Docker container (network off, limits, read-only root), through the same worker."""

    kernel_name = "luci-container"

    @classmethod
    def setUpClass(cls):
        # No registry here: the local image that .ci/docker-engine.sh builds (a machine with one
        # would pull python:3.12-slim, the default).
        os.environ.setdefault("LUCI_CONTAINER_IMAGE", "luci-python:local")
        super().setUpClass()
