"""``cosignatures.jsonl`` in the evidence bundle: the witnesses' cosignatures of its
checkpoints, so ``verify.py --witness VKEY`` can require them offline.

One JSON object a line, oldest checkpoint first: the checkpoint it cosigns (``tree_size``,
``root_hash``, ``time``, as in ``checkpoints.jsonl``), the witness's ``name`` and ``vkey``
(informative only: ``verify.py`` trusts a cosignature only for a key given with
``--witness``), the cosignature's POSIX ``timestamp`` and its note signature ``line``
(``— <name> <base64(key id || timestamp || Ed25519 signature)>``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.ledger import canonical, checkpoints, cosignatures
from consult.ledger.cosignatures import RecordCosignature
from consult.ledger.models import RecordCheckpoint

PATH = "cosignatures.jsonl"
BATCH = 1000


def write(bundle: Any, session: Session, anchor: RecordCheckpoint) -> int:
    """Write ``cosignatures.jsonl`` (cosignatures of this log's checkpoints up to the
    anchor) into the bundle being made, when there are any; how many."""
    if session.scalar(select(RecordCosignature.id).limit(1)) is None:
        return 0  # a platform without witnesses: no file (as in bundles before witnesses)
    count, last = 0, 0
    with bundle.member(PATH) as member:
        while True:
            rows = session.execute(
                select(RecordCosignature, RecordCheckpoint)
                .join(RecordCheckpoint, RecordCheckpoint.id == RecordCosignature.checkpoint_id)
                .where(
                    RecordCosignature.id > last,
                    RecordCheckpoint.id <= anchor.id,
                    checkpoints.of_log(),
                )
                .order_by(RecordCosignature.id)
                .limit(BATCH)
            ).all()
            if not rows:
                return count
            for row, checkpoint in rows:
                facts = cosignatures.facts(row)
                member.line(
                    {
                        "tree_size": checkpoint.tree_size,
                        "root_hash": checkpoint.root_hash,
                        "time": canonical.moment(checkpoint.made_at),
                        "name": row.witness,
                        "vkey": facts["vkey"],
                        "timestamp": facts["timestamp"],
                        "line": row.line(),
                    }
                )
                count += 1
            last = rows[-1][0].id
