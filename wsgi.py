"""The WSGI entry point: ``gunicorn wsgi:app``."""

import sys

from consult import create_app
from consult.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    sys.exit(f"consult: {exc}")
