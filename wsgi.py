"""The WSGI entry point: ``gunicorn wsgi:app``.

Refuses to start, with one line saying why, when the settings are wrong or the database
cannot be reached; an unreachable Redis is logged and rate limits fall back to memory.
"""

import sys

from consult.app import create_app
from consult.config import ConfigError
from consult.health import check_at_start

try:
    app = create_app()
except ConfigError as exc:
    sys.exit(f"consult: {exc}")

problem = check_at_start(app)
if problem:
    sys.exit(f"consult: {problem}")
