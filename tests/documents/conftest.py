"""Helpers for the documents tests: real .docx files made with python-docx."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from docx import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches
from flask import Flask

from tests import factories


@pytest.fixture
def request_context(app: Flask):
    """For calling the import functions (they translate their notices) outside a request."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def official(session):
    return factories.region_user(session, "official", "JZ22", email="ambtenaar@utrecht.example")


@pytest.fixture
def other_official(session):
    return factories.region_user(session, "official", "JZ24", email="ambtenaar@haaglanden.example")


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def add_hyperlink(paragraph, url: str, text: str) -> None:
    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    label = OxmlElement("w:t")
    label.text = text
    run.append(label)
    link.append(run)
    paragraph._p.append(link)


def make_docx(*, images: int = 1, evil: bool = True) -> bytes:
    """A regiovisie-like Word file: intro, headings 1-3, a list, a table, images, links."""
    word = WordDocument()
    word.add_paragraph("Dit is de tekst voor de eerste kop.")
    word.add_heading("Waarom een regiovisie", 1)
    word.add_paragraph("Gemeenten werken samen aan jeugdhulp.")
    if evil:
        word.add_paragraph("Let op: <script>alert(1)</script> is hier gewone tekst.")
        paragraph = word.add_paragraph("Gevaarlijke link: ")
        add_hyperlink(paragraph, "javascript:alert(1)", "klik hier")
    paragraph = word.add_paragraph("Meer weten? ")
    add_hyperlink(paragraph, "https://www.nji.nl/", "Nederlands Jeugdinstituut")
    word.add_heading("Onze doelen", 2)
    word.add_paragraph("Jeugdhulp dichtbij huis", style="List Bullet")
    word.add_paragraph("Minder wachttijd", style="List Bullet")
    table = word.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Gemeente"
    table.cell(0, 1).text = "Inwoners"
    table.cell(1, 0).text = "Utrecht"
    table.cell(1, 1).text = "370.000"
    for _ in range(images):
        word.add_picture(io.BytesIO(tiny_png()), width=Inches(0.2))
    word.add_heading("Wat ouders zeggen", 3)
    word.add_paragraph("Ouders willen één vaste contactpersoon.")
    word.add_heading("Samenwerken", 1)
    word.add_paragraph("De regio koopt samen in.")
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
