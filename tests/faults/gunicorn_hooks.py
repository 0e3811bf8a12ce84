"""gunicorn settings for the fault tests: each worker says when it is ready for requests.

The killer reads these lines, so it kills workers that serve requests, not ones that are
still loading the app.
"""

import sys

READY = "consult-faults: worker {pid} ready"


def post_worker_init(worker) -> None:
    print(READY.format(pid=worker.pid), file=sys.stderr, flush=True)
