"""Consult: structured public comment on the regiovisies of the Dutch youth regions.

The app is built by :func:`consult.app.create_app`; ``docs/architecture.md`` describes the
packages and the one direction their imports take.
"""
