# The C module behind `signal`, which the worker imports instead (`signal` imports enum, which
# costs start-up time). typeshed has no stub for it: the same functions and constants.

from signal import SIG_DFL as SIG_DFL
from signal import SIG_IGN as SIG_IGN
from signal import SIGINT as SIGINT
from signal import SIGKILL as SIGKILL
from signal import SIGTERM as SIGTERM
from signal import getsignal as getsignal
from signal import signal as signal
