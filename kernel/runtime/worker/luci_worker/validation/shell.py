"""The shell (high) and subprocess (low) rules: running other programs.

A shell interprets its text, so one wrong or injected character can run anything: os.system,
os.popen, subprocess with shell=True, `!cmd` lines, %%bash cells are high. A program started
with a list of arguments and no shell is only low. Whatever the command deletes is also judged
by files.shell_deletes().
"""

from __future__ import annotations

import _ast as ast  # the C module: `ast` itself imports contextlib & co (5 ms)

from . import files, values

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .visitor import Analysis, Call


_SHELL_CALLS = {
    "os.system",
    "os.popen",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "commands.getoutput",
    "commands.getstatusoutput",
    "commands.getstatus",
    "asyncio.create_subprocess_shell",
}
_SUBPROCESS_CALLS = {
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
}
_PROGRAM_CALLS = {
    "asyncio.create_subprocess_exec",
    "pty.spawn",
    "os.execv",
    "os.execve",
    "os.execl",
    "os.execle",
    "os.execlp",
    "os.execlpe",
    "os.execvp",
    "os.execvpe",
    "os.spawnl",
    "os.spawnle",
    "os.spawnlp",
    "os.spawnlpe",
    "os.spawnv",
    "os.spawnve",
    "os.spawnvp",
    "os.spawnvpe",
    "os.posix_spawn",
    "os.posix_spawnp",
}

# The functions of these rules, for the visitor's could-not-tell check.
FUNCTIONS = frozenset((*_SHELL_CALLS, *_SUBPROCESS_CALLS, *_PROGRAM_CALLS))


def check_call(analysis: Analysis, call: Call) -> bool:
    """Report the call; True when it starts a program (the file rules then do not look)."""
    name, label, node = call.name, call.label, call.node
    if name in _SHELL_CALLS or name.startswith("commands."):
        analysis.add(
            "shell",
            "high",
            node,
            "%s runs a shell command: a shell interprets the text, so one wrong or "
            "injected character can run anything." % label,
        )
        command = call.arg(0, "cmd" if name != "os.system" else "command")
        if command is not None:
            files.shell_deletes(analysis, node, values.text(analysis, command))
        return True
    if name in _SUBPROCESS_CALLS:
        shell = call.keywords.get("shell")
        command = call.arg(0, "args")
        if shell is not None and values.truthy(shell, unknown=True):
            analysis.add(
                "shell",
                "high",
                node,
                "%s with shell=True runs a shell command: a shell interprets the "
                "text, so one wrong or injected character can run anything." % label,
            )
        else:
            analysis.add(
                "subprocess", "low", node, "%s starts another program (without a shell)." % label
            )
        if command is not None:
            files.shell_deletes(analysis, node, values.text(analysis, command))
        return True
    if name in _PROGRAM_CALLS:
        analysis.add("subprocess", "low", node, "%s starts another program." % label)
        files.shell_deletes(analysis, node, " ".join(values.text(analysis, a) for a in call.args))
        return True
    return False


def shell_line(analysis: Analysis, node: ast.Call) -> None:
    """`!cmd` (transform.py made it `__luci_shell__('cmd')`)."""
    if not node.args or type(node.args[0]) is not ast.Constant:
        return
    command = str(node.args[0].value)
    from ..magics import pip_command

    if pip_command(command) is not None:
        return  # the kernel installs it (PROTOCOL.md, "Kernel magics")
    shown = command if len(command) <= 40 else command[:39] + "\u2026"
    analysis.add("shell", "high", node, "The line `!%s` runs a shell command." % shown)
    files.shell_deletes(analysis, node, command)
