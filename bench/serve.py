"""Consult as the submission benchmark serves it: ``bench.serve:consult_app()`` for gunicorn.

The production settings (from the ``CONSULT_*`` environment the benchmark sets), with the
rate limits of the public forms raised and the minimum fill time off, through
configuration: the load generator sends
every submission from 127.0.0.1, which the limits would otherwise stop after a few. The
limits stay in the code and are still checked on every request.
"""

from __future__ import annotations

from flask import Flask

RAISED_LIMITS = {
    "RATELIMIT_SUBMISSION": "1000000 per hour",
    "RATELIMIT_RECEIPT_LOOKUP": "1000000 per minute",
    # The generator sends the form the moment it has it; people take seconds (the flood
    # guard of issue 17 stays in the code and is tested there).
    "COMMENT_MIN_FILL_SECONDS": 0,
}


def consult_app() -> Flask:
    from consult.app import create_app

    return create_app(dict(RAISED_LIMITS), "production")
