"""Luci's Python worker: runs notebook cells for the Node kernel (see ../PROTOCOL.md).

Standard library only. Modules are small and imported lazily where start-up time matters.
Typed (checked by mypy for Python 3.9, with ruff: ../pyproject.toml); the types shared by the
annotations are in _typing.py, and the late calls between modules go through hooks.py.

Two parts serve the task pipeline (kernel/pipeline/) rather than running cells:
- validation/ (gate.py: validate_command), the gate for generated code (PROTOCOL.md,
  "Validation"): asked by kernel/cells/luci-interpreter.ts, its reply judged by
  kernel/pipeline/gate.ts, the verdict used by kernel/pipeline/task-runner.ts;
- namespace_summary.py (namespace_command), the notebook's variables for the model's prompt
  (PROTOCOL.md, "Namespace summary"): asked by kernel/cells/luci-interpreter.ts, used by
  kernel/pipeline/task-context.ts and kernel/pipeline/model/prompt.ts (NamespaceEntry).
"""
