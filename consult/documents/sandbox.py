"""Converting an uploaded Word or Markdown file in a child process with hard limits.

The checks in :mod:`consult.documents.importing` bound what a file may unpack into, but a
small, valid file can still be built to make the conversion slow or greedy (deeply nested
lists, a million empty runs). So an upload is converted by ``python -m
consult.documents.sandbox`` in a process of its own that sets its own limits before it
reads a byte: CPU seconds (``RLIMIT_CPU``) and address space (``RLIMIT_AS``), and the parent
waits at most a wall-clock time. Whatever the file does, the worst it costs is those
limits, never a stuck app server; the person gets a clear message.

The child reads the file on stdin and writes JSON on stdout: the sections and the number of
images left out, or the reason for a refusal.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from dataclasses import asdict

from consult.documents.importing import (
    ImportRefused,
    ImportResult,
    SectionDraft,
    convert_docx,
    convert_markdown,
    finish,
)

KINDS = ("docx", "markdown")
# A child that runs out of memory says so with this exit code.
OUT_OF_MEMORY = 3


def convert_bounded(
    kind: str, data: bytes, *, cpu_seconds: int, memory_mb: int, wall_seconds: float
) -> ImportResult:
    """The sections of ``data``, converted by a limited child process."""
    if kind not in KINDS:
        raise ValueError(kind)
    try:
        child = subprocess.run(  # noqa: S603 (our own module, fixed arguments)
            [sys.executable, "-m", __name__, kind, str(cpu_seconds), str(memory_mb)],
            input=data,
            capture_output=True,
            timeout=wall_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise ImportRefused("too_slow") from error
    if child.returncode == OUT_OF_MEMORY:
        raise ImportRefused("too_complex")
    if child.returncode < 0:  # killed: SIGXCPU at the CPU limit, SIGKILL past it
        raise ImportRefused("too_slow")
    if child.returncode != 0:
        raise ImportRefused("unreadable")
    answer = json.loads(child.stdout)
    if "refused" in answer:
        raise ImportRefused(answer["refused"])
    sections = [SectionDraft(**section) for section in answer["sections"]]
    return finish(sections, int(answer["images"]))


def _limit(cpu_seconds: int, memory_mb: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def main(arguments: list[str]) -> int:
    kind, cpu_seconds, memory_mb = arguments[0], int(arguments[1]), int(arguments[2])
    _limit(cpu_seconds, memory_mb)
    data = sys.stdin.buffer.read()
    try:
        if kind == "docx":
            sections, images = convert_docx(data)
        else:
            sections, images = convert_markdown(data.decode("utf-8"))
    except ImportRefused as refused:
        answer: dict[str, object] = {"refused": refused.reason}
    except MemoryError:
        return OUT_OF_MEMORY
    else:
        answer = {"sections": [asdict(section) for section in sections], "images": images}
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
