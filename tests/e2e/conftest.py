"""Browser tests: Playwright's sync API driving Debian's chromium against `live_server`.

Every page a test opens is watched: a console error, an uncaught exception or a
Content-Security-Policy violation fails the test at teardown. Every distinct page is also
audited once per session with axe-core (shipped by the `axe-playwright-python` package, injected
by Playwright: no CDN) after it loads, against WCAG 2.0/2.1 A and AA and axe's best practices:
a serious or critical violation fails the test too, naming the rule, the elements and the page.
Screenshots go to a `screens` directory under pytest's temp dir; their paths are printed (`-s`).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import CHROMIUM, require

# Playwright's sync API runs an asyncio loop in this thread; the ORM calls made by
# fixtures and assertions here are still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PASSWORD = "correct-horse-battery"  # tests/factories.py UserFactory
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Reports CSP violations to the console, where the watcher below picks them up
# (chromium also logs its own "Refused to ..." message; this one names the directive).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + (e.sourceFile || document.location.href) + ":" + e.lineNumber);
});
"""


# The audit: WCAG 2.0/2.1 A and AA and best practice. label-content-name-mismatch (WCAG 2.5.3,
# "label in name") is one of axe's experimental rules, off unless named: it is switched on.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "rules": {"label-content-name-mismatch": {"enabled": True}},
    "resultTypes": ["violations"],
}
AXE_BLOCKING = {"serious", "critical"}
_NUMBER_SEGMENT = re.compile(r"/\d+(?=/|$)")


@dataclass
class AxeAudit:
    """One per session: which pages were audited (a page is its URL with ids made generic)."""

    axe: Any = field(default_factory=Axe)
    done: set[str] = field(default_factory=set)
    running: set[str] = field(default_factory=set)
    seconds: float = 0.0
    interrupted: int = 0

    @staticmethod
    def key(url: str) -> str:
        parts = urlsplit(url)
        return _NUMBER_SEGMENT.sub("/<id>", parts.path) + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="session")
def axe_audit() -> Iterator[AxeAudit]:
    audit = AxeAudit()
    yield audit
    print(
        f"\n[e2e] axe audited {len(audit.done)} distinct pages in {audit.seconds:.1f} s"
        f" ({audit.interrupted} audits cut short by a navigation, retried on the next visit)"
    )


@pytest.fixture(scope="session")
def playwright_browser() -> Iterator[Any]:
    require(os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK), f"chromium ({CHROMIUM})")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements-dev.txt
        require(False, "the playwright Python package")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("screens")
    print(f"\n[e2e] screenshots in {path}")
    return path


@dataclass
class Problem:
    url: str
    kind: str
    text: str
    source: str = ""  # the URL the console message points at

    def __str__(self) -> str:
        return f"[{self.kind}] {self.url}: {self.text}"


@dataclass
class Browser:
    """Opens watched browser contexts on the live server; collects problems and takes screenshots."""

    raw: Any
    base_url: str
    screens: Path
    axe: AxeAudit = field(default_factory=AxeAudit)
    problems: list[Problem] = field(default_factory=list)
    # (url regex, text regex) pairs of console errors a test expects, e.g. a deliberate 404.
    allowed: list[tuple[str, str]] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)
    # Pages and htmx requests that answered 4xx on purpose (an invalid form is a 400, a stale
    # edit a 409, an error page a 403/404). Chromium logs "Failed to load resource" for each;
    # that line is not a problem. A 4xx for a static file, or any 5xx, still is.
    deliberate_4xx: set[str] = field(default_factory=set)

    def context(self, *, viewport: dict[str, int] | None = None, **kwargs: Any) -> Any:
        ctx = self.raw.new_context(
            base_url=self.base_url, viewport=viewport or DESKTOP, reduced_motion="reduce", **kwargs
        )
        ctx.set_default_timeout(10_000)
        ctx.add_init_script(CSP_LISTENER)
        ctx.on("page", self._watch)
        self.contexts.append(ctx)
        return ctx

    def page(self, *, viewport: dict[str, int] | None = None) -> Any:
        return self.context(viewport=viewport).new_page()

    def allow(self, url_pattern: str, text_pattern: str) -> None:
        self.allowed.append((url_pattern, text_pattern))

    def _watch(self, page: Any) -> None:
        def on_console(msg: Any) -> None:
            text = msg.text
            if msg.type == "error" or "Content Security Policy" in text:
                source = (msg.location or {}).get("url", "")
                self.problems.append(Problem(page.url, f"console.{msg.type}", text, source))

        def on_response(response: Any) -> None:
            request = response.request
            if (
                400 <= response.status < 500
                and request.resource_type in {"document", "xhr", "fetch"}
                and "/static/" not in response.url
            ):
                self.deliberate_4xx.add(response.url)

        page.on("console", on_console)
        page.on("response", on_response)
        page.on("pageerror", lambda exc: self.problems.append(Problem(page.url, "pageerror", str(exc))))
        page.on("load", lambda: self.audit(page))

    def audit(self, page: Any, *, again: bool = False) -> None:
        """Run axe-core on the page as it is now, once per distinct page per session (`again`: anyway).

        Called on every load; a page that navigates away mid-audit is audited on a later visit.
        """
        from playwright.sync_api import Error as PlaywrightError

        url = page.url
        key = self.axe.key(url)
        if not url.startswith(self.base_url) or (not again and (key in self.axe.done or key in self.axe.running)):
            return
        self.axe.running.add(key)
        started = time.monotonic()
        try:
            results = self.axe.axe.run(page, options=AXE_OPTIONS).response
        except PlaywrightError:
            self.axe.interrupted += 1
            return  # the page went away (navigation, test over) before axe finished
        finally:
            self.axe.running.discard(key)
            self.axe.seconds += time.monotonic() - started
        self.axe.done.add(key)
        for violation in results["violations"]:
            if violation["impact"] not in AXE_BLOCKING:
                continue
            targets = "; ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:5])
            text = f"{violation['id']} ({violation['impact']}): {violation['help']}. Elements: {targets}"
            first = " ".join(str(violation["nodes"][0].get("failureSummary", "")).split()) if violation["nodes"] else ""
            if first:
                text += f". First: {first[:300]}"
            self.problems.append(Problem(url, "axe", text))

    def audit_open_pages(self) -> None:
        """The last page of each context may not have been audited yet (its load handler waits for
        the next Playwright call): audit it now."""
        for ctx in self.contexts:
            for page in ctx.pages:
                if not page.is_closed():
                    self.audit(page)

    def unexpected_problems(self) -> list[Problem]:
        def allowed(p: Problem) -> bool:
            failed_load = p.text.startswith("Failed to load resource: the server responded with a status of 4")
            if failed_load and p.source in self.deliberate_4xx:
                return True
            return any(re.search(u, p.url) and re.search(t, p.text) for u, t in self.allowed)

        return [p for p in self.problems if not allowed(p)]

    def shot(self, page: Any, name: str, *, full_page: bool = True) -> Path:
        path = self.screens / f"{name}.png"
        # caret="initial": Playwright's default hides the caret with a style attribute on inputs,
        # which htmx then copies onto swapped-in inputs, where the CSP reports it.
        page.screenshot(path=str(path), full_page=full_page, caret="initial")
        print(f"\n[e2e] screenshot {name}: {path}")
        return path

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()


@pytest.fixture
def web(playwright_browser: Any, live_server: Any, screens: Path, axe_audit: AxeAudit) -> Iterator[Browser]:
    b = Browser(raw=playwright_browser, base_url=live_server.url, screens=screens, axe=axe_audit)
    try:
        yield b
        b.audit_open_pages()
    finally:
        b.close()
    problems = b.unexpected_problems()
    assert not problems, "console errors, CSP violations or accessibility failures:\n" + "\n".join(map(str, problems))


def sign_in(page: Any, email: str, password: str = PASSWORD, *, next_url: str = "/") -> None:
    """Sign in through the real form."""
    page.goto(f"/account/login/?next={next_url}")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/account/login/" not in page.url, f"sign-in failed for {email}: still on {page.url}"


@pytest.fixture
def signed_in(web: Browser) -> Callable[..., Any]:
    """signed_in(user, viewport=...) -> a page in a fresh context, signed in as `user`."""

    def make(user: Any, *, viewport: dict[str, int] | None = None) -> Any:
        page = web.page(viewport=viewport)
        sign_in(page, user.email)
        return page

    return make
