"""get_ipython(): there is no IPython shell in Luci's worker, so it returns None."""


def get_ipython() -> None:
    return None
