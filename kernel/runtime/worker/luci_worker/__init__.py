"""Luci's Python worker: runs notebook cells for the Node kernel (see ../PROTOCOL.md).

Standard library only. Modules are small and imported lazily where start-up time matters.
"""
