"""The witness's HTTP API (https://c2sp.org/tlog-witness), on the standard library's server.

- ``POST /add-checkpoint``: the body is ``old <size>``, the consistency proof lines, a
  blank line and the checkpoint note; 200 with the cosignature line, 409 with the size this
  witness holds (``text/x.tlog.size``), 400, 403, 404 or 422 (see
  :meth:`consult.witness.state.Witness.add_checkpoint`).
- ``GET /<hex SHA-256 of the origin>/checkpoint``: the latest checkpoint it cosigned, with
  the log's signature and its own cosignature (404 before the first).

Both under an optional path prefix (``--prefix /witness`` serves
``/witness/add-checkpoint``). No state lives here: every request goes to the directory.
"""

from __future__ import annotations

import logging
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from consult.witness.state import Witness

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # 63 proof lines and a checkpoint with some signatures fit easily
MONITOR = re.compile(r"^/([0-9a-f]{64})/checkpoint$")


def make_server(witness: Witness, host: str, port: int, prefix: str = "") -> ThreadingHTTPServer:
    """A server for ``witness`` on ``host:port`` (port 0: any free port), not yet serving."""
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""

    class Handler(BaseHTTPRequestHandler):
        server_version = "consult-witness"
        protocol_version = "HTTP/1.1"  # keep-alive, as the spec asks clients and witnesses

        def _answer(self, status: int, body: str, content_type: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def _path(self) -> str | None:
            path = self.path.split("?", 1)[0]
            if not path.startswith(prefix + "/"):
                return None
            return path[len(prefix) :]

        def do_POST(self) -> None:
            if self._path() != "/add-checkpoint":
                self._answer(404, "not found\n", "text/plain; charset=utf-8")
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self._answer(411, "a Content-Length is needed\n", "text/plain; charset=utf-8")
                return
            if not 0 <= length <= MAX_BODY:
                self.close_connection = True
                self._answer(413, "the request is too large\n", "text/plain; charset=utf-8")
                return
            body = self.rfile.read(length)
            try:
                answer = witness.add_checkpoint(body)
            except UnicodeDecodeError:
                self._answer(400, "the request is not UTF-8\n", "text/plain; charset=utf-8")
                return
            self._answer(answer.status, answer.body, answer.content_type)

        def do_GET(self) -> None:
            found = MONITOR.match(self._path() or "")
            note = witness.latest_note(found.group(1)) if found else None
            if note is None:
                self._answer(404, "not found\n", "text/plain; charset=utf-8")
                return
            self._answer(200, note, "text/plain; charset=utf-8")

        def log_message(self, format: str, *args: Any) -> None:
            log.info("%s %s", self.address_string(), format % args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
