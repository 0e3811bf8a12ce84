"""The browser tests' server, ``live_server``, is the run's one (tests/conftest.py), shared
with the browser tests of the other folders (see tests/live.py)."""
