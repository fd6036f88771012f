"""`worker.py` with England's midnight moved to an instant the midnight benchmark chose (bench/midnight.py).

    python -m bench.midnight_worker <offset in seconds>

Every reminder and breach falls due at 00:00 Europe/London, and the dev server's timers run on the real
clock, which no one can move: a benchmark of midnight would have to wait for tonight. This worker runs the
real workflows and activities with the law's time zone replaced by a fixed offset whose 00:00 is the chosen
instant. Due dates are counted exactly as ever (they are dates, not instants); only the instant at which a
day ends moves, for every workflow this worker runs, on every replay alike.
"""

import sys
from datetime import timedelta, timezone

import worker
from core.temporal_client import run_to_exit
from statutory import deadlines

if __name__ == "__main__":
    deadlines.LONDON = timezone(timedelta(seconds=int(sys.argv[1])))
    run_to_exit(worker.main())
