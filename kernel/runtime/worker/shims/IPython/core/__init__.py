"""Luci's stand-in for IPython.core (display and getipython only)."""
