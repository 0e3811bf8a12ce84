"""Which uploaded files we accept, decided by their content, never by their name.

PDF, DOCX, ODT, PNG and JPEG, at most 10 MB each and 3 per submission. A file whose bytes
are not what its kind promises (a renamed .exe, an HTML page called .pdf) is refused. A
zip archive (DOCX, ODT) is judged by its directory alone: nothing in it is unpacked,
except an ODT's tiny uncompressed ``mimetype`` entry, so a zip bomb costs nothing.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MAX_FILE_SIZE = 10 * 1024 * 1024
MAX_FILES = 3
# An office document far beyond these is not a comment on a plan but an attack.
MAX_UNPACKED_SIZE = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
MAX_MIMETYPE_SIZE = 100

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", DOCX: "docx", ODT: "odt"}


class UploadRefused(ValueError):
    """``reason`` is one of: empty, too_large, unknown_kind, too_many."""

    def __init__(self, reason: str, filename: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.filename = filename


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class ReadUploads:
    """The files of one form field: all accepted, or the reasons why not."""

    files: list[CheckedFile] = field(default_factory=list)
    refused: list[UploadRefused] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused


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
    """ODT or DOCX from the archive's directory; nothing compressed is ever unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                return None
            if sum(entry.file_size for entry in entries) > MAX_UNPACKED_SIZE:
                return None
            names = {entry.filename for entry in entries}
            if "mimetype" in names:
                # ODT stores its mimetype first and uncompressed (OpenDocument 1.2, 3.3).
                info = archive.getinfo("mimetype")
                if (
                    info.compress_type == zipfile.ZIP_STORED
                    and info.file_size <= MAX_MIMETYPE_SIZE
                    and info.compress_size <= MAX_MIMETYPE_SIZE
                    and archive.read(info).strip() == ODT.encode()
                ):
                    return ODT
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError):
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
        raise UploadRefused("empty", filename)
    if len(data) > MAX_FILE_SIZE:
        raise UploadRefused("too_large", filename)
    content_type = sniff(data)
    if content_type is None:
        raise UploadRefused("unknown_kind", filename)
    return CheckedFile(
        filename=safe_filename(filename, content_type),
        content_type=content_type,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def read_uploads(files: Iterable[Any], max_files: int = MAX_FILES) -> ReadUploads:
    """Read and check the chosen files of a form (werkzeug ``FileStorage`` objects).

    Empty file inputs are skipped. Never reads more than ``MAX_FILE_SIZE + 1`` bytes of a
    file: enough to know it is too large.
    """
    chosen = [f for f in files if f and f.filename]
    if len(chosen) > max_files:
        return ReadUploads(refused=[UploadRefused("too_many")])
    result = ReadUploads()
    for upload in chosen:
        name = upload.filename or ""
        try:
            result.files.append(check_upload(name, upload.stream.read(MAX_FILE_SIZE + 1)))
        except UploadRefused as refused:
            result.refused.append(refused)
    return result
