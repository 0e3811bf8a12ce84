"""``consult witness``: a small, standalone C2SP transparency-log witness.

An advocacy organisation or a municipality runs it with its own Ed25519 key and its own
state, apart from any platform's database (https://c2sp.org/tlog-witness). For each log it
accepts (origin and verifier key), it remembers the latest checkpoint it cosigned, and it
cosigns a new checkpoint only when the log's signature holds and an RFC 9162 consistency
proof shows the new tree extends the one it cosigned before: a fork or a rollback is
refused, so a log's operator cannot show two histories without the witnesses noticing.

- :mod:`.state`: the key file and the state file in one directory, and the protocol's
  checks (:meth:`.state.Witness.add_checkpoint`);
- :mod:`.server`: the HTTP API (``POST /add-checkpoint``, ``GET /<origin hash>/checkpoint``);
- :mod:`.cli`: ``consult witness init|add-log|serve|status``.

It uses the platform's signed-note and Merkle code (:mod:`consult.ledger.notes`,
:mod:`consult.ledger.merkle`), never its database or configuration.
"""
