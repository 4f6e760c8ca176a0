"""A real OpenID Connect provider for tests: panva's certified ``oidc-provider`` on Node.

``tests/idp/install_oidc.sh`` installs the pinned package into ``.tools/oidc`` (or
``$OIDC_PROVIDER_PREFIX``); ``tests/idp/oidc_provider.mjs`` serves it on 127.0.0.1. Usage::

    with OidcProvider(tmp_path, clients=[{
        "client_id": "rp", "client_secret": "rp-secret",
        "redirect_uris": [f"{base}/sso/callback"],
        "post_logout_redirect_uris": [f"{base}/"],
    }]) as idp:
        redirect = idp.login(requests.Session(), authorize_url, "student1", "student1pass")

Authorization code flow with PKCE (S256) required for every client; scopes ``openid email
profile affiliation`` (the last one carries ``eduperson_affiliation``); the claims of the granted
scopes are in the ID token as well as at userinfo; RP-initiated logout at ``end_session_endpoint``.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "oidc_provider.mjs"
INSTALL_SCRIPT = HERE / "install_oidc.sh"
PREFIX = Path(os.environ.get("OIDC_PROVIDER_PREFIX") or HERE.parents[1] / ".tools" / "oidc")
PACKAGE_JSON = PREFIX / "node_modules" / "oidc-provider" / "package.json"


def is_available() -> bool:
    """Whether ``node`` is on PATH and ``oidc-provider`` is installed (install_oidc.sh)."""
    return shutil.which("node") is not None and PACKAGE_JSON.is_file()


class OidcError(RuntimeError):
    """The provider did not start, or a browser-like flow did not go as expected."""


def _account(password: str, sub: str, email: str, verified: bool, given: str, family: str,
             affiliation: list[str]) -> dict[str, Any]:
    return {"password": password, "claims": {
        "sub": sub, "email": email, "email_verified": verified,
        "name": f"{given} {family}", "given_name": given, "family_name": family,
        "eduperson_affiliation": affiliation,
    }}


class _Forms(HTMLParser):
    """The forms of a page: action, method, id and the named inputs/buttons of each."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None
        self._detached: list[tuple[str, dict[str, str]]] = []  # controls with a form="id"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = {"action": a.get("action", ""), "method": a.get("method", "get"),
                             "id": a.get("id", ""), "inputs": {}, "buttons": []}
            self.forms.append(self._current)
        elif tag in ("input", "button") and a.get("name"):
            if a.get("form"):
                self._detached.append((a["form"], a))
            elif self._current is not None:
                self._add(self._current, tag, a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None

    def close(self) -> None:
        super().close()
        for form_id, a in self._detached:
            for form in self.forms:
                if form["id"] == form_id:
                    self._add(form, "button" if a.get("type", "submit") == "submit" else "input", a)

    @staticmethod
    def _add(form: dict[str, Any], tag: str, a: dict[str, str]) -> None:
        if tag == "button" or a.get("type") == "submit":
            form["buttons"].append((a["name"], a.get("value", "")))
        else:
            form["inputs"][a["name"]] = a.get("value", "")

    @classmethod
    def parse(cls, html: str) -> list[dict[str, Any]]:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser.forms


class OidcProvider:
    """``oidc-provider`` on a loopback port, as a context manager (see the module docstring).

    ``clients`` are oidc-provider client metadata (``client_id``, ``client_secret``,
    ``redirect_uris``, ``post_logout_redirect_uris``, optionally ``token_endpoint_auth_method``
    ...), fixed at start. ``accounts`` maps username -> {password, claims}; default ACCOUNTS.
    ``port=None`` lets the OS pick one (race free); the issuer is ``http://127.0.0.1:<port>``.
    """

    ACCOUNTS: dict[str, dict[str, Any]] = {
        "student1": _account("student1pass", "s-1001", "sam.student@campus.example", True,
                             "Sam", "Student", ["student", "member"]),
        "alum1": _account("alum1pass", "a-2001", "ali.alum@campus.example", True,
                          "Ali", "Alum", ["alum"]),
        "staff1": _account("staff1pass", "t-3001", "stella.staff@campus.example", True,
                           "Stella", "Staff", ["staff"]),
        "unverified1": _account("unverified1pass", "u-4001", "una@campus.example", False,
                                "Una", "Unverified", ["student"]),
    }

    def __init__(self, workdir: Path, clients: list[dict], accounts: dict | None = None,
                 port: int | None = None, startup_timeout: float = 20.0) -> None:
        self.workdir = Path(workdir)
        self.clients = copy.deepcopy(clients)
        self.accounts = copy.deepcopy(self.ACCOUNTS if accounts is None else accounts)
        self._port = port
        self._issuer: str | None = f"http://127.0.0.1:{port}" if port else None
        self.startup_timeout = startup_timeout
        self.config_path = self.workdir / "oidc-provider.json"
        self.log_path = self.workdir / "oidc-provider.log"
        self._process: subprocess.Popen | None = None
        self._log = None
        self._discovery: dict[str, Any] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> OidcProvider:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        if self._process is not None:
            raise OidcError("the OIDC provider is already running")
        node = shutil.which("node")
        if node is None or not PACKAGE_JSON.is_file():
            raise OidcError(f"node or oidc-provider missing: run {INSTALL_SCRIPT}")
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = {"port": self._port or 0, "clients": self.clients, "accounts": self.accounts}
        if self._issuer:
            config["issuer"] = self._issuer
        self.config_path.write_text(json.dumps(config, indent=2))
        self._log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            [node, str(SCRIPT), str(self.config_path)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            env={**os.environ, "OIDC_PROVIDER_PREFIX": str(PREFIX)},
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        issuer = None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise OidcError(f"oidc-provider exited with {self._process.returncode}:\n"
                                f"{self.output}")
            if issuer is None:
                issuer = next((line.split(None, 1)[1].strip()
                               for line in self.output.splitlines()
                               if line.startswith("READY ")), None)
            if issuer is not None:
                try:
                    response = requests.get(f"{issuer}/.well-known/openid-configuration",
                                            timeout=2)
                    if response.ok and response.json().get("issuer") == issuer:
                        self._issuer = issuer
                        self._port = urlsplit(issuer).port
                        self._discovery = response.json()
                        return
                except (requests.RequestException, ValueError):
                    pass
            time.sleep(0.05)
        raise OidcError(f"oidc-provider not ready after {self.startup_timeout}s "
                        f"(issuer {issuer}):\n{self.output}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None

    # -- properties ------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        if self._issuer is None:
            raise OidcError("the issuer is known once the provider has started")
        return self._issuer

    @property
    def port(self) -> int:
        if self._port is None:
            raise OidcError("the port is known once the provider has started")
        return self._port

    @property
    def discovery(self) -> dict[str, Any]:
        """The discovery document fetched at start."""
        if self._discovery is None:
            raise OidcError("the provider has not started")
        return self._discovery

    @property
    def output(self) -> str:
        """What node printed so far (stdout and stderr)."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # -- browser-like flows ----------------------------------------------------------------

    def _is_own(self, url: str) -> bool:
        target, own = urlsplit(url), urlsplit(self.issuer)
        return (target.scheme, target.netloc) == (own.scheme, own.netloc)

    def login(self, session: requests.Session, authorize_url: str, username: str,
              password: str) -> str:
        """Follow ``authorize_url`` like a browser, signing in as ``username`` on the login form
        (consent is granted automatically), and return the URL of the redirect back to the
        client (``redirect_uri?code=...&state=...&iss=...``, or ``?error=...``) unrequested.

        An existing provider session in ``session``'s cookies skips the form (single sign-on).
        Raises OidcError when the password is refused or the provider shows an error page.
        """
        return self._drive(session, authorize_url, {"login": username, "password": password},
                           form_wanted="password")

    def logout(self, session: requests.Session, end_session_url: str) -> str:
        """Follow ``end_session_url`` (RP-initiated logout), confirm the sign-out form, and
        return the redirect to ``post_logout_redirect_uri`` (unrequested), or the provider's own
        "signed out" page URL when there is no post_logout_redirect_uri."""
        return self._drive(session, end_session_url, {"logout": "yes"}, form_wanted="xsrf")

    def _drive(self, session: requests.Session, url: str, fields: dict[str, str],
               form_wanted: str) -> str:
        method, data, submitted = "GET", None, False
        for _ in range(20):
            response = session.request(method, url, data=data, allow_redirects=False,
                                       timeout=10)
            if response.is_redirect:
                target = urljoin(response.url, response.headers["Location"])
                if not self._is_own(target):
                    return target
                method, url, data = "GET", target, None
                continue
            forms = [form for form in _Forms.parse(response.text)
                     if form_wanted in form["inputs"] and form["method"].lower() == "post"]
            if response.status_code == 200 and forms and not submitted:
                form = forms[0]
                method, url = "POST", urljoin(response.url, form["action"])
                data = {**form["inputs"], **fields}
                submitted = True
                continue
            if response.status_code == 200 and not forms and form_wanted == "xsrf":
                return response.url  # the provider's own "signed out" page
            raise OidcError(f"unexpected {response.status_code} from {method} {url}:\n"
                            f"{response.text[:3000]}")
        raise OidcError(f"too many redirects from {url}")
