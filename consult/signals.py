"""What happens on the platform, as signals: a domain sends one, others listen.

Imports point one way (``docs/architecture.md``): a lower domain never imports a higher
one. When a lower domain does something a higher one must act on (followers hear that a
consultation opened), it sends a signal here, and the higher domain connects a receiver
in its ``listeners.py``, which :func:`consult.app.create_app` calls. Blinker, as Flask
itself uses it (Indico's ``core/signals`` works the same way).

Every signal about a change is sent inside the change's transaction, with the session as
the sender: a receiver writes in that transaction (a rollback undoes both) and never
commits. Its keyword arguments are named in each signal's ``doc``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

consultation_opened = _signals.signal(
    "consultation-opened", doc="A consultation opened. Keywords: consultation, at."
)
consultation_extended = _signals.signal(
    "consultation-extended",
    doc="A consultation's closing moment moved later. Keywords: consultation, closes_at.",
)
consultation_closed = _signals.signal(
    "consultation-closed",
    doc="A consultation closed by the clock; its answering starts. Keywords: consultation, at.",
)
answers_published = _signals.signal(
    "answers-published",
    doc="Answers to a consultation's comments were published. Keywords: consultation, at.",
)
next_version_published = _signals.signal(
    "next-version-published",
    doc="The version after the consulted one was published with the reactienota. "
    "Keywords: consultation, at.",
)
report_published = _signals.signal(
    "report-published",
    doc="An edition of a consultation's reactienota was published. Keywords: consultation, at.",
)
clock_ticked = _signals.signal(
    "clock-ticked",
    doc="The consultation clock ran and committed; the sender is the app. Keywords: session "
    "(the clock's own, committed), now, wait (True from ``consult consultations tick``: "
    "finish the work before returning). A receiver may commit that session; it returns a "
    "line for the command to print, or None.",
)
checkpoint_signed = _signals.signal(
    "checkpoint-signed",
    doc="The record signed a checkpoint (not yet committed): witnesses are asked to cosign "
    "it after the commit. Keywords: checkpoint.",
)
