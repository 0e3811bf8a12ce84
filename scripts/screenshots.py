"""Screenshots of pages at phone and desktop width, to look at what people see.

Usage: .venv/bin/python scripts/screenshots.py BASE_URL OUT_DIR [--login EMAIL PASSWORD] PATH...
Uses Debian's chromium (never a downloaded browser).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"phone": (360, 740), "desktop": (1280, 800)}


def main(argv: list[str]) -> None:
    base, out, *rest = argv
    login = None
    if rest[:1] == ["--login"]:
        login, rest = (rest[1], rest[2]), rest[3:]
    Path(out).mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for label, (width, height) in WIDTHS.items():
            page = browser.new_context(
                viewport={"width": width, "height": height}, locale="nl-NL"
            ).new_page()
            if login:
                page.goto(f"{base}/account/inloggen")
                page.fill("#email", login[0])
                page.fill("#password", login[1])
                page.locator("main form button[type=submit]").first.click()
            for path in rest:
                page.goto(f"{base}{path}")
                name = re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "home"
                page.screenshot(path=f"{out}/{name}-{label}.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
