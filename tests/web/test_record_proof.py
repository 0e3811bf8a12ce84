"""The proof of receipt, checked in a real browser (Debian's Chromium, WebCrypto).

A visitor sends a comment on the demo consultation; once a signed checkpoint holds its
arrival, the receipt page recomputes the leaf hash, the root from the audit path and the
Ed25519 signature, and says "Klopt". A tampered proof (a wrong root, a wrong hash in the
audit path) makes it say "Klopt niet"; without JavaScript the page says how to check it.
The record's public pages are checked by axe on the same server.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from playwright.sync_api import Browser, Page, Route, expect

from consult.app import create_app
from consult.config import PROJECT_ROOT
from consult.ledger import merkle
from tests.browser import (
    VIEWPORTS,
    artifact_name,
    axe_violations,
    comment_through_steps,
    csp_refusals,
    open_page,
    save_failure,
)
from tests.live import BIN, serve_live_consult

pytestmark = pytest.mark.timeout(600)

DEMO_SLUG = "regiovisie-jeugdhulp-utrecht-stad-2026-2030"
OK = (
    "Correct: your browser calculated the fingerprint of the whole record from your comment "
    "(event %(number)s) and the proof. It is the same as the one we signed on %(moment)s, "
    "and the signature is genuine."
)
BAD_ROOT = (
    "Not correct: the proof does not lead to the fingerprint we signed. Keep this page and "
    "tell the region."
)
BAD_SIGNATURE = (
    "Not correct: the signature does not match the checkpoint. Keep this page and tell the region."
)
BAD_PROMISE = (
    "Not correct: the promise we signed when your comment arrived does not match the record. "
    "Keep this page and the promise, and tell the region."
)
NO_SCRIPT = (
    "Your browser has not checked this proof (JavaScript is off or not available). You can "
    "check it yourself, also without internet: see “Check it yourself” below."
)

# Run in the server's environment: the arrival event (when the comment service does not
# write it yet) and a signed checkpoint that holds it.
SIGN_NOW = """
import sys
from consult.app import create_app
from consult.comments import services as comment_services
from consult.extensions import db
from consult.ledger import checkpoints, proofs, services

code = sys.argv[1]
app = create_app()
with app.app_context():
    session = db.session
    if proofs.received_event(session, code) is None:
        submission = comment_services.find_by_code(session, code)
        services.append(
            session,
            kind="submission_received",
            consultation=submission.consultation,
            object_type="submission",
            object_id=code,
            actor_role="participant",
            payload={"content_hash": submission.content_hash},
            occurred_at=submission.received_at,
        )
    made = checkpoints.make(session, "manual")
    session.commit()
    print(made.tree_size if made else checkpoints.latest(session).tree_size)
"""


def dutch(message: str) -> str:
    """The Dutch of a msgid as the catalog has it (the msgid itself until translated)."""
    app = create_app({"DATABASE_URL": "sqlite://"}, environment="testing")
    with app.app_context(), force_locale("nl"):
        return babel_gettext(message)


def opening(message: str) -> str:
    """What a result message starts with: "Klopt:", "Klopt niet:" (or the English msgid's)."""
    return dutch(message).split(":")[0] + ":"


@dataclass
class ProofServer:
    url: str
    env: dict[str, str]

    def sign_checkpoint(self, code: str) -> int:
        result = subprocess.run(
            [str(BIN / "python"), "-c", SIGN_NOW, code],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return int(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def proof_server(
    database_server_url: str | None,
    smtp_server,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ProofServer]:
    """A seeded Consult under gunicorn whose database and instance this test can reach too
    (to sign a checkpoint from outside, as the clock or an administrator would)."""
    controller, _outbox = smtp_server
    tmp = tmp_path_factory.mktemp("record-proof")
    settings = {
        "CONSULT_SECRET_KEY": secrets.token_urlsafe(48),
        "CONSULT_MAIL_SERVER": "127.0.0.1",
        "CONSULT_MAIL_PORT": str(controller.port),
        "CONSULT_MAIL_USE_TLS": "false",
    }
    with serve_live_consult(database_server_url, tmp, settings) as live:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("CONSULT_") and key not in {"FLASK_APP", "FLASK_DEBUG"}
        }
        env.update(
            settings,
            CONSULT_ENV="development",
            CONSULT_BASE_URL=live.url,
            CONSULT_DATABASE_URL=live.database_url,
            CONSULT_INSTANCE_PATH=str(live.instance_path),
        )
        yield ProofServer(url=live.url, env=env)


def send_comment(page: Page, base: str) -> str:
    """Send a comment on the demo consultation as a parent; the tracking code."""
    page.goto(f"{base}/consultaties/{DEMO_SLUG}/reageren")
    comment_through_steps(
        page,
        "Ik wil kunnen nagaan dat mijn reactie echt is meegeteld.",
        "ouder of verzorger",
        email=f"bewijs-{secrets.token_hex(4)}@example.org",
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Bijna klaar: bevestig je reactie")
    code = page.locator(".consult-code--large").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code), code
    return code.replace("-", "")


@dataclass
class Sent:
    receipt: str  # the receipt page's path
    code: str
    state: Any  # the sender's cookies: only the sender's browser sees the receipt
    tree_size: int  # of the checkpoint that holds it


@pytest.fixture(scope="module")
def sent(browser: Browser, proof_server: ProofServer) -> Sent:
    """A comment sent, and a checkpoint signed that holds it."""
    with open_page(browser, "desktop") as (page, _problems):
        code = send_comment(page, proof_server.url)
        receipt = page.url.removeprefix(proof_server.url)
        state = page.context.storage_state()
    return Sent(receipt, code, state, proof_server.sign_checkpoint(code))


def result_region(page: Page):
    return page.locator("[data-record-proof-result]")


def check_page(page: Page, problems: list[str], name: str) -> None:
    report = axe_violations(page)
    if report:
        pytest.fail(f"{name}:\n{report}\n" + save_failure(page, artifact_name(name), report))
    refused = csp_refusals(problems)
    assert not refused, refused


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_receipt_page_checks_its_proof_in_the_browser(
    browser: Browser, proof_server: ProofServer, sent: Sent, viewport: str
) -> None:
    size = {"width": 390, "height": 844} if viewport == "phone" else VIEWPORTS["desktop"]
    context = browser.new_context(viewport=size, locale="nl-NL", storage_state=sent.state)
    try:
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(proof_server.url + sent.receipt)
        region = result_region(page)
        expect(region).to_have_attribute("data-outcome", "ok", timeout=15_000)
        expect(region).to_contain_text(opening(OK))
        assert region.get_attribute("role") == "status"
        assert not problems, problems
        page.locator("details[data-for-checking] > summary").click()
        page.locator("details.consult-record-details summary").click()
        check_page(page, problems, f"record-proof-receipt-{viewport}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the receipt is {overflow}px too wide with the proof open"
    finally:
        context.close()


def flip(text: str, at: int, one: str, other: str) -> str:
    """``text`` with the character at ``at`` changed into ``one`` (or ``other``)."""
    return text[:at] + (one if text[at] != one else other) + text[at + 1 :]


@pytest.mark.parametrize(
    ("tamper", "outcome", "message"),
    [
        ("root", "bad-root", BAD_ROOT),
        ("audit path", "bad-root", BAD_ROOT),
        ("signature", "bad-signature", BAD_SIGNATURE),
        ("promise", "bad-promise", BAD_PROMISE),
    ],
)
def test_a_tampered_proof_says_it_does_not_hold(
    browser: Browser, proof_server: ProofServer, sent: Sent, tamper: str, outcome: str, message: str
) -> None:
    context = browser.new_context(locale="nl-NL", storage_state=sent.state)
    try:
        page = context.new_page()

        # The real page, fetched first with the sender's cookies (fetching inside the
        # route would wait behind the browser's idle connection to the one-worker server).
        real = context.request.get(proof_server.url + sent.receipt)
        assert real.ok, real.status
        body = real.text()
        data = re.search(r"data-record-proof='([^']+)'", body).group(1)
        value = {
            "root": r'"root_hash": "([0-9a-f]{64})"',
            "audit path": r'"audit_path": \["([0-9a-f]{64})"',
            "signature": r"\\u2014 \S+ ([A-Za-z0-9+/]{60,}=*)\\n",
            # the promise signed on arrival (after the checkpoint: keys are sorted)
            "promise": r'"promise": \{.*?\\u2014 \S+ ([A-Za-z0-9+/]{60,}=*)\\n',
        }[tamper]
        original = re.search(value, data).group(1)
        if tamper in ("signature", "promise"):  # a base64 letter inside the signature
            changed = flip(original, 40, "A", "B")
        else:  # a hex digit
            changed = flip(original, 0, "0", "1")
        tampered = body.replace(data, data.replace(original, changed))
        assert tampered != body

        def serve_tampered(route: Route) -> None:
            route.fulfill(status=200, headers=real.headers, body=tampered)

        page.route(proof_server.url + sent.receipt, serve_tampered)
        page.goto(proof_server.url + sent.receipt)
        region = result_region(page)
        expect(region).to_have_attribute("data-outcome", outcome, timeout=15_000)
        expect(region).to_have_text(dutch(message))
        expect(region).to_contain_text(opening(message))
    finally:
        context.close()


def test_without_javascript_the_receipt_says_how_to_check(
    browser: Browser, proof_server: ProofServer, sent: Sent
) -> None:
    context = browser.new_context(
        locale="nl-NL", storage_state=sent.state, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(proof_server.url + sent.receipt)
        expect(result_region(page)).to_have_text(dutch(NO_SCRIPT))
        page.locator("details[data-for-checking] > summary").click()
        page.locator("details.consult-record-details summary").click()
        link = page.locator(f"a[href='/bewijs/opname/{sent.code}.json']")
        expect(link).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/bewijs", 200),
        ("/bewijs/controlepunten", 200),
        ("/bewijs/sleutel", 200),
        ("/bewijs/consistentie?van={size}&tot={size}", 200),
        ("/bewijs/consistentie?van=drie&tot={size}", 400),
    ],
)
def test_the_record_pages_meet_wcag_and_fit_a_phone(
    browser: Browser, proof_server: ProofServer, sent: Sent, path: str, status: int, viewport: str
) -> None:
    path = path.format(size=sent.tree_size)
    with open_page(browser, viewport) as (page, problems):
        response = page.goto(proof_server.url + path)
        assert response is not None
        assert response.status == status
        check_page(page, problems, f"record-{path}-{viewport}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} is {overflow}px too wide"


def test_the_feed_is_served_to_a_browser(
    browser: Browser, proof_server: ProofServer, sent: Sent
) -> None:
    with open_page(browser, "desktop") as (page, _problems):
        response = page.goto(proof_server.url + "/bewijs/controlepunten.atom")
        assert response is not None
        assert response.headers["content-type"].startswith("application/atom+xml")
        assert '<feed xmlns="http://www.w3.org/2005/Atom"' in response.text()


MEMORY_FIRST = (
    "Your browser now remembers this checkpoint (%(size)s events). On your next visit it "
    "checks that the record was only added to since then."
)
MEMORY_OK = (
    "Since your previous visit this record has only been added to: it grew from %(old)s to "
    "%(new)s events, and your browser checked that nothing that was in it then was changed or "
    "removed."
)
MEMORY_BAD = (
    "Warning: this record is not the one your browser saw on your previous visit (then "
    "%(old)s events, now %(new)s). Its history was changed or removed. Keep this page and "
    "tell the region or an organisation that checks it."
)


def filled(message: str, **values: object) -> str:
    """The Dutch of ``message`` with the numbers the browser puts in."""
    return (
        dutch(message)
        .replace("%(size)s", "{size}")
        .replace("%(old)s", "{old}")
        .replace("%(new)s", "{new}")
        .format(**values)
    )


def memory_region(page: Page):
    return page.locator("[data-record-memory-result]")


def remembered(page: Page) -> dict[str, Any]:
    """What this browser remembers of the record, per origin."""
    stored = page.evaluate(
        "Object.fromEntries(Object.keys(localStorage)"
        ".filter(k => k.startsWith('consult-record-checkpoint:'))"
        ".map(k => [k, JSON.parse(localStorage.getItem(k))]))"
    )
    assert len(stored) == 1, stored
    return next(iter(stored.values()))


def test_the_receipt_remembers_the_checkpoint_and_checks_consistency_later(
    browser: Browser, proof_server: ProofServer, sent: Sent
) -> None:
    context = browser.new_context(locale="nl-NL", storage_state=sent.state)
    try:
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))

        # First visit: the browser checks the proof and remembers the checkpoint.
        first_size = proof_server.sign_checkpoint(sent.code)
        page.goto(proof_server.url + sent.receipt)
        expect(result_region(page)).to_have_attribute("data-outcome", "ok", timeout=15_000)
        memory = memory_region(page)
        expect(memory).to_have_attribute("data-outcome", "memory-first", timeout=15_000)
        expect(memory).to_have_text(filled(MEMORY_FIRST, size=first_size))
        first = remembered(page)
        assert first["tree_size"] == first_size
        assert re.fullmatch(r"[0-9a-f]{64}", first["root_hash"])
        assert "/record" in first["origin"]

        # Others comment; the record is signed again with more events.
        with open_page(browser, "desktop") as (other, _other_problems):
            later = send_comment(other, proof_server.url)
        second_size = proof_server.sign_checkpoint(later)
        assert second_size > first_size

        # Second visit: the consistency proof from the remembered checkpoint holds.
        page.reload()
        expect(memory).to_have_attribute("data-outcome", "memory-ok", timeout=15_000)
        expect(memory).to_have_text(filled(MEMORY_OK, old=first_size, new=second_size))
        expect(memory).to_contain_text("Dit register is sinds je vorige bezoek alleen aangevuld")
        second = remembered(page)
        assert second["tree_size"] == second_size
        assert second["root_hash"] != first["root_hash"]
        assert not problems, problems
        check_page(page, problems, "record-proof-memory")

        # A history that differs from the one remembered: a fake root for the first size.
        key = "consult-record-checkpoint:" + first["origin"]
        fake = dict(first, root_hash=flip(first["root_hash"], 0, "0", "1"))
        page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, json.dumps(fake)])
        page.reload()
        expect(memory).to_have_attribute("data-outcome", "memory-bad", timeout=15_000)
        expect(memory).to_have_text(filled(MEMORY_BAD, old=first_size, new=second_size))
        assert remembered(page) == fake  # the warning stays until someone looks into it

        # And a fake root for the size on the page itself.
        fake = dict(second, root_hash=flip(second["root_hash"], 5, "a", "b"))
        page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, json.dumps(fake)])
        page.reload()
        expect(memory).to_have_attribute("data-outcome", "memory-bad", timeout=15_000)
        expect(memory).to_have_text(filled(MEMORY_BAD, old=second_size, new=second_size))
        # The proof of receipt itself still holds: only the memory disagrees.
        expect(result_region(page)).to_have_attribute("data-outcome", "ok")
    finally:
        context.close()


def test_the_browser_consistency_check_agrees_with_rfc_9162(
    browser: Browser, proof_server: ProofServer
) -> None:
    """record-proof.js's consistency check, run in Chromium on every pair of sizes up to
    24: it accepts each proof merkle.py makes and refuses a changed root or path node."""
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(24)]

    def node(level: int, position: int) -> bytes:
        return merkle.root(leaves[position << level : (position + 1) << level])

    cases = [
        {
            "m": m,
            "n": n,
            "old": merkle.root(leaves[:m]).hex(),
            "new": merkle.root(leaves[:n]).hex(),
            "proof": [h.hex() for h in merkle.consistency_proof(m, n, node)],
        }
        for n in range(1, 25)
        for m in range(1, n + 1)
    ]
    source = (PROJECT_ROOT / "consult/static/js/record-proof.js").read_text("utf-8")

    def part(start: str, end: str) -> str:
        begin = source.index(start)
        return source[begin : source.index(end, begin)]

    functions = (
        part("  function fromHex", "  function toHex")
        + part("  function concat", "  // RFC 9162 2.1.3.2")
        + part("  async function consistent", "  var MEMORY_PREFIX")
    )
    with open_page(browser, "desktop") as (page, _problems):
        page.goto(proof_server.url + "/bewijs")  # a secure context (WebCrypto)
        wrong = page.evaluate(
            "async (cases) => {"
            + functions
            + """
              const wrong = [];
              for (const c of cases) {
                const proof = c.proof.map(fromHex);
                const ok = (old, now, path) => consistent(c.m, c.n, old, now, path);
                if (!(await ok(fromHex(c.old), fromHex(c.new), proof))) {
                  wrong.push(["refused", c.m, c.n]);
                }
                const fakeOld = fromHex(c.old); fakeOld[0] ^= 1;
                if (await ok(fakeOld, fromHex(c.new), proof)) wrong.push(["old", c.m, c.n]);
                const fakeNew = fromHex(c.new); fakeNew[0] ^= 1;
                if (await ok(fromHex(c.old), fakeNew, proof)) wrong.push(["new", c.m, c.n]);
                if (proof.length) {
                  const changed = proof.map((h) => h.slice());
                  changed[changed.length - 1][3] ^= 1;
                  if (await ok(fromHex(c.old), fromHex(c.new), changed)) {
                    wrong.push(["path", c.m, c.n]);
                  }
                }
              }
              return wrong;
            }""",
            cases,
        )
    assert wrong == []
    assert len(cases) == 300


COSIGNED = (
    "Also checked: %(count)s independent witness(es) signed this checkpoint too (%(names)s). "
    "They sign only a record that contains everything they saw before."
)


def test_the_browser_checks_the_witnesses_cosignatures(
    browser: Browser, proof_server: ProofServer, sent: Sent
) -> None:
    """Two cosignatures on the proof's checkpoint: one genuine (C2SP cosignature/v1 by a
    witness key made here), one copied under another witness's name and key. The browser
    counts only the genuine one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from consult.ledger import notes

    context = browser.new_context(locale="nl-NL", storage_state=sent.state)
    try:
        page = context.new_page()
        real = context.request.get(proof_server.url + sent.receipt)
        body = real.text()
        data = re.search(r"data-record-proof='([^']+)'", body).group(1)
        proof = json.loads(data.replace("&#34;", '"').replace("&amp;", "&"))
        note = proof["checkpoint"]["note"]
        text = note[: note.index("\n\n") + 1].encode()
        honest, forger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
        good = notes.cosign(honest, "mind.example/witness", text, 1_790_000_000)
        honest_vkey = notes.Vkey("mind.example/witness", 4, notes.public_of(honest))
        forged_vkey = notes.Vkey("forged.example/witness", 4, notes.public_of(forger))
        forged = notes.Signature("forged.example/witness", forged_vkey.key_id + good.blob[4:])
        proof["checkpoint"]["cosignatures"] = [
            {"witness": v.name, "vkey": str(v), "timestamp": 1_790_000_000, "line": s.line()}
            for v, s in ((honest_vkey, good), (forged_vkey, forged))
        ]
        encoded = (
            json.dumps(proof)
            .replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("&", "\\u0026")
            .replace("'", "\\u0027")
        )
        injected = body.replace(data, encoded)

        def serve_injected(route: Route) -> None:
            route.fulfill(status=200, headers=real.headers, body=injected)

        page.route(proof_server.url + sent.receipt, serve_injected)
        page.goto(proof_server.url + sent.receipt)
        region = result_region(page)
        expect(region).to_have_attribute("data-outcome", "ok", timeout=15_000)
        said = region.locator("[data-record-cosigned]")
        expect(said).to_have_attribute("data-record-cosigned", "1")
        expect(said).to_have_text(dutch(COSIGNED) % {"count": 1, "names": "mind.example/witness"})
    finally:
        context.close()
