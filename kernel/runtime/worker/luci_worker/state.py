"""Process-wide state shared by the worker's modules (there is exactly one of everything).

Kept as plain module attributes so that any module can read them without import cycles.
"""

events = None  # protocol.EventWriter (fd 4)
commands = None  # protocol.CommandReader (fd 3)
namespace = None  # the user namespace: sys.modules['__main__'].__dict__
executor = None  # execution.Executor

# The execute request being run (or the last one: late displays from threads use it).
exec_id = None
silent = False
allow_stdin = False
execution_count = 0

# Commands read while waiting for an input_reply that must run after the current cell.
pending_commands = []

# Set by main: handles complete / inspect / is_complete / shutdown while input() waits.
answer_query = None
