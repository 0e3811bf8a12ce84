"""``CONSULT_WITNESSES``: its format, and a wrong entry stops the start with a clear line."""

from __future__ import annotations

import pytest

from consult.app import create_app
from consult.config import ConfigError, parse_witnesses

VKEY = "mind.example/witness+0badc0de+BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def test_entries_separated_by_semicolons_or_newlines():
    value = f" {VKEY} https://mind.example/witness/ ;\n{VKEY} http://127.0.0.1:8480\n"
    assert parse_witnesses(value) == [
        (VKEY, "https://mind.example/witness"),
        (VKEY, "http://127.0.0.1:8480"),
    ]
    assert parse_witnesses("") == []


@pytest.mark.parametrize("value", [VKEY, f"{VKEY} ftp://x", f"{VKEY} https://a https://b"])
def test_a_malformed_entry_is_refused(value):
    with pytest.raises(ConfigError, match="is not '<witness vkey> <https:// URL>'"):
        parse_witnesses(value)


def test_a_wrong_vkey_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match=r"CONSULT_WITNESSES: .*the key id does not match"):
        create_app(
            {
                "DATABASE_URL": "sqlite://",
                "INSTANCE_PATH": str(tmp_path),
                "WITNESSES": [(VKEY, "https://mind.example/witness")],
            },
            environment="testing",
        )
