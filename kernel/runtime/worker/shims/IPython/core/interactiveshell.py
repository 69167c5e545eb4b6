"""IPython.core.interactiveshell stand-in: there is no IPython shell in Luci's worker.

Only what notebooks commonly touch is here: `InteractiveShell.ast_node_interactivity = "all"`
(every top-level expression is shown; Luci's worker honours it) and `initialized()`.
"""


class InteractiveShell:
    ast_node_interactivity = "last_expr"

    @classmethod
    def initialized(cls) -> bool:
        return False
