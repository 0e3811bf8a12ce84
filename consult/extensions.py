"""The unbound extension objects; ``create_app`` binds them to an app."""

import logging

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from consult.db import Database

db = Database()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# Flask-Limiter keeps its log to itself (a NullHandler). Its warning that Redis is
# unreachable and the limits fall back to this process's memory (RATELIMIT_IN_MEMORY_
# FALLBACK_ENABLED) must reach the server's log, as Consult's own warnings do.
for _handler in [h for h in limiter.logger.handlers if isinstance(h, logging.NullHandler)]:
    limiter.logger.removeHandler(_handler)
