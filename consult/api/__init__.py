"""The open-data JSON API under ``/api/v1``: public reads, deny by default; one write
(:mod:`consult.api.submissions`) for verified organisations with an API token.

:mod:`consult.api.spec` declares every endpoint once (path, parameters, response schema,
handler); the routes (:mod:`consult.api.views`), the OpenAPI 3.1 document and the
documentation page are all built from that one list, so they cannot drift apart.
:mod:`consult.api.serializers` names each public field of each resource explicitly: a field
that is not listed there is not published.
"""
