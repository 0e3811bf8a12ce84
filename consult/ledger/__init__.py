"""The evidence record: events chained per consultation, one RFC 9162 Merkle tree for the
platform, signed checkpoints, and verification.

What other domains call (all take the session first, flush, never commit):

- ``services.append(session, kind=..., consultation=..., object_type=..., object_id=...,
  actor_role=..., payload={...}, occurred_at=None) -> RecordEvent``
- ``canonical.commitment(salt, value) -> str``: commit to a personal field
- ``checkpoints.make(session, reason, now=None)`` and ``checkpoints.hourly_due(session, now)``
  (the log's fixed name: ``checkpoints.log_origin(session)``; signing under another is
  refused with ``checkpoints.OriginError``)
- ``promises.make(session, event)``: the signed promise of inclusion a receipt carries
- ``services.inclusion_proof(session, event, tree_size)`` and
  ``services.consistency_proof(session, first, second)``
- ``cosignatures``: witnesses' cosignatures of checkpoints (``store``, ``of_checkpoints``,
  ``cosigned_note(session, checkpoint, public)``: the signed note with their lines);
  ``notes``: C2SP signed notes, vkeys and tlog-cosignature/v1, shared with ``consult witness``
- ``verify.verify(session, consultation=None)``
"""
