"""Which uploaded files we accept, decided by their content, never by their name.

PDF, DOCX, ODT, PNG and JPEG, at most 10 MB each and 3 per submission. A file whose bytes
are not what its kind promises (a renamed .exe, an HTML page called .pdf) is refused.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

MAX_FILE_SIZE = 10 * 1024 * 1024
MAX_FILES = 3

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", DOCX: "docx", ODT: "odt"}


class UploadRefused(ValueError):
    """``reason`` is one of: empty, too_large, unknown_kind."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def sniff(data: bytes) -> str | None:
    """The content type these bytes really are, among the kinds we accept."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    return None


def _sniff_zip(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                return ODT
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    return None


def safe_filename(filename: str, content_type: str) -> str:
    """A name to show and to download as: no path, no control characters, the right ending."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*').strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{(stem or 'bijlage')[:120]}.{EXTENSIONS[content_type]}"


def check_upload(filename: str, data: bytes) -> CheckedFile:
    if not data:
        raise UploadRefused("empty")
    if len(data) > MAX_FILE_SIZE:
        raise UploadRefused("too_large")
    content_type = sniff(data)
    if content_type is None:
        raise UploadRefused("unknown_kind")
    return CheckedFile(
        filename=safe_filename(filename, content_type),
        content_type=content_type,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )
