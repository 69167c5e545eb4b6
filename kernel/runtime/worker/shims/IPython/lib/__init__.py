"""Luci's stand-in for IPython.lib (display only)."""
