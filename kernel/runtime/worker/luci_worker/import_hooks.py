"""Post-import hooks: run a function right after a given module has executed.

A finder at the front of sys.meta_path asks the other finders for the real spec and wraps its
loader's exec_module. Used to
- replace a real IPython's display functions by ours right after
  `IPython.core.display_functions` (IPython >= 7.23) or `IPython.core.display` (older) ran,
  before `IPython.display` copies the names (outside an IPython shell they print plain text);
- select our inline backend when `matplotlib` is imported (never imported at start-up);
- route `getpass.getpass` through the kernel;
- flush our stdout before subprocess.Popen starts a child (streams.py);
- make the `comm` package's create_comm / get_comm_manager ours (comms.py: ipywidgets);
- make a real IPython's get_ipython() answer our shell (kernel_shell.py) when it has none;
- show the figures an `interact` function leaves open in its Output widget (comms.py).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

    from ._typing import ImportHook

# module name -> the hooks to call with the module once it has executed
_hooks: dict[str, list[ImportHook]] = {}


def _call(hook: ImportHook, module: ModuleType) -> None:
    try:
        hook(module)
    except Exception as exc:
        try:
            sys.stderr.write(
                "Luci: setting up %s failed: %s: %s\n" % (module.__name__, type(exc).__name__, exc)
            )
        except Exception:
            pass


class _PostImportFinder:
    def __init__(self) -> None:
        self._busy: set[str] = set()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in _hooks or fullname in self._busy:
            return None
        self._busy.add(fullname)
        try:
            spec: ModuleSpec | None = None
            for finder in sys.meta_path:
                if finder is self:
                    continue
                find = getattr(finder, "find_spec", None)
                if find is None:
                    continue
                spec = find(fullname, path, target)
                if spec is not None:
                    break
        finally:
            self._busy.discard(fullname)
        loader = getattr(spec, "loader", None) if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original(module)
            for hook in list(_hooks.get(fullname, ())):
                _call(hook, module)

        try:
            loader.exec_module = exec_module  # per-module loader instance: safe to shadow
        except (AttributeError, TypeError):
            pass  # a loader we cannot wrap (frozen / builtin): no hook, but the import works
        return spec


_finder = _PostImportFinder()


def register(module_name: str, hook: ImportHook) -> None:
    """Run hook(module) after module_name is imported (at once if it already is)."""
    _hooks.setdefault(module_name, []).append(hook)
    if module_name in sys.modules:
        _call(hook, sys.modules[module_name])


def patch_ipython_display(module: ModuleType) -> None:
    """Point a real IPython's display functions at ours."""
    from . import displays

    ours = {
        "display": displays.display,
        "update_display": displays.update_display,
        "clear_output": displays.clear_output,
        "publish_display_data": displays.publish_display_data,
        "DisplayHandle": displays.DisplayHandle,
    }
    always = module.__name__.endswith("display_functions")
    for name, value in ours.items():
        if always or name in module.__dict__:
            setattr(module, name, value)


# Hooks in modules that load only when the hook fires, so registering costs nothing at start-up.


def _on_matplotlib(module: ModuleType) -> None:
    from . import mpl_support

    mpl_support.on_matplotlib_imported(module)


def _on_getpass(module: ModuleType) -> None:
    from . import stdin

    stdin.patch_getpass_module(module)


def _on_subprocess(module: ModuleType) -> None:
    from . import streams

    streams.patch_subprocess(module)


def _on_comm(module: ModuleType) -> None:
    from . import comms

    comms.install_into_comm_package(module)


def _on_ipywidgets_interaction(module: ModuleType) -> None:
    from . import comms

    comms.patch_interaction(module)


def _on_getipython(module: ModuleType) -> None:
    from . import kernel_shell

    kernel_shell.patch_getipython(module)


def install() -> None:
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    register("IPython.core.display_functions", patch_ipython_display)
    register("IPython.core.display", patch_ipython_display)
    register("matplotlib", _on_matplotlib)
    register("getpass", _on_getpass)
    register("subprocess", _on_subprocess)
    register("comm", _on_comm)
    register("IPython.core.getipython", _on_getipython)
    register("ipywidgets.widgets.interaction", _on_ipywidgets_interaction)
