"""The first pass: imports, assignments and other bindings, and whether there are functions.

It runs over the whole tree before any rule does, so that a rule reading `sp.run(cmd)` on
line 3 already knows `import subprocess as sp` and `cmd = "rm -rf /"` from anywhere in the cell.
Iterative, so that a very deep tree cannot stop it.
"""

from __future__ import annotations

import _ast as ast  # the C module: `ast` itself imports contextlib & co (5 ms)

from .context import Each

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .context import Context


def _bind(analysis: Context, name: str, value: ast.expr | None) -> None:
    analysis.bindings.setdefault(name, []).append(value)


def collect(analysis: Context, tree: ast.AST) -> None:
    """Imports, assignments and other bindings, and whether there are functions."""
    bound: set[int] = set()  # ids of Name nodes whose binding was recorded with its value
    stack = [tree]
    while stack:
        node = stack.pop()
        if type(node) is ast.Import:
            for alias in node.names:
                if alias.asname:
                    analysis.aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    analysis.aliases[top] = top
        elif type(node) is ast.ImportFrom:
            if not node.level and node.module:
                for alias in node.names:
                    if alias.name != "*":
                        analysis.aliases[alias.asname or alias.name] = (
                            node.module + "." + alias.name
                        )
        elif type(node) is ast.Assign:
            for target in node.targets:
                _bind_target(analysis, target, node.value, bound)
        elif type(node) is ast.AnnAssign and node.value is not None or type(node) is ast.NamedExpr:
            _bind_target(analysis, node.target, node.value, bound)
        elif type(node) is ast.For or type(node) is ast.AsyncFor or type(node) is ast.comprehension:
            _bind_items(analysis, node.target, node.iter, bound)
        elif type(node) is ast.With or type(node) is ast.AsyncWith:
            for item in node.items:
                if item.optional_vars is not None:
                    _bind_target(analysis, item.optional_vars, item.context_expr, bound)
        elif type(node) is ast.Name:
            if type(node.ctx) is not ast.Load and id(node) not in bound:
                _bind(analysis, node.id, None)
        elif type(node) is ast.arg:
            _bind(analysis, node.arg, None)
        elif (
            type(node) is ast.FunctionDef
            or type(node) is ast.AsyncFunctionDef
            or type(node) is ast.ClassDef
        ):
            analysis.has_functions = True
            _bind(analysis, node.name, None)
        elif type(node) is ast.ExceptHandler and node.name:
            _bind(analysis, node.name, None)
        for name in node._fields:
            if name == "ctx":
                continue
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)


def _bind_target(
    analysis: Context, target: ast.expr, value: ast.expr | None, bound: set[int]
) -> None:
    if type(target) is ast.Name:
        _bind(analysis, target.id, value)
        bound.add(id(target))
    elif (
        (type(target) is ast.Tuple or type(target) is ast.List)
        and (type(value) is ast.Tuple or type(value) is ast.List)
        and len(target.elts) == len(value.elts)
    ):
        for sub_target, sub_value in zip(target.elts, value.elts):
            _bind_target(analysis, sub_target, sub_value, bound)


def _bind_items(analysis: Context, target: ast.expr, iterable: ast.expr, bound: set[int]) -> None:
    """`for f in files`: f is one item of files; `for root, dirs, names in os.walk(d)`: each
    name is a part of one."""
    if type(target) is ast.Name:
        _bind(analysis, target.id, Each(iterable))
        bound.add(id(target))
    elif type(target) is ast.Tuple or type(target) is ast.List:
        for item in target.elts:
            _bind_items(analysis, item, iterable, bound)
