"""IPython.core.display_functions: the display functions of Luci's worker."""

from luci_worker.displays import (  # noqa: F401
    DisplayHandle,
    clear_output,
    display,
    publish_display_data,
    update_display,
)

__all__ = ["display", "clear_output", "update_display", "publish_display_data", "DisplayHandle"]
