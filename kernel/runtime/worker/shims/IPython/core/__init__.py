"""Luci's stand-in for IPython.core (display, getipython, interactiveshell, pylabtools)."""
