"""A real SAML 2.0 identity provider for the test suite.

SimpleSAMLphp (Debian's ``simplesamlphp`` package, 1.19) served by PHP's built-in web server
on 127.0.0.1, with every piece of configuration (config.php, authsources.php, the metadata
files, the IdP's signing key and certificate, sessions, logs, caches) generated into a
working directory that the caller owns.  Nothing under /usr/share or /etc is touched: the
configuration directory is handed to SimpleSAMLphp through ``SIMPLESAMLPHP_CONFIG_DIR``.

Usage::

    with SamlIdP(tmp_path / "idp") as idp:
        idp.add_sp(sp_entity_id, acs_url, cert_pem=sp_cert_pem)
        idp_metadata = idp.metadata_xml()           # give this to the service provider
        ...                                         # app redirects the browser to the IdP
        acs, fields = idp.login(requests.Session(), redirect_url, "student1", "student1pass")
        app_client.post(acs, data=fields)           # fields: SAMLResponse, RelayState

The IdP signs both the Response and the Assertion (RSA-SHA256), releases attributes with
NameFormat ``urn:oasis:names:tc:SAML:2.0:attrname-format:uri`` (``urn:oid:...`` names,
which pysaml2 maps back to eduPersonAffiliation, mail, displayName, ...) and issues a
persistent NameID equal to the username unless the AuthnRequest asks for transient.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urljoin

import requests

SIMPLESAMLPHP_DIR = Path("/usr/share/simplesamlphp")

BINDING_HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
BINDING_HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
NAMEID_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
NAMEID_TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
ATTRNAME_FORMAT_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"

# Friendly attribute name -> the urn:oid name it is released under (eduPerson / inetOrgPerson).
ATTRIBUTE_OIDS = {
    "uid": "urn:oid:0.9.2342.19200300.100.1.1",
    "mail": "urn:oid:0.9.2342.19200300.100.1.3",
    "displayName": "urn:oid:2.16.840.1.113730.3.1.241",
    "givenName": "urn:oid:2.5.4.42",
    "sn": "urn:oid:2.5.4.4",
    "cn": "urn:oid:2.5.4.3",
    "eduPersonAffiliation": "urn:oid:1.3.6.1.4.1.5923.1.1.1.1",
    "eduPersonScopedAffiliation": "urn:oid:1.3.6.1.4.1.5923.1.1.1.9",
    "eduPersonPrincipalName": "urn:oid:1.3.6.1.4.1.5923.1.1.1.6",
}

_START_TIMEOUT = 20.0


class SamlIdPError(RuntimeError):
    """The IdP could not be started or did not behave as expected during a login."""


def is_available() -> bool:
    """True when PHP and SimpleSAMLphp are installed (tests should skip otherwise)."""
    return (
        shutil.which("php") is not None
        and (SIMPLESAMLPHP_DIR / "www" / "saml2" / "idp" / "SSOService.php").is_file()
        and (SIMPLESAMLPHP_DIR / "lib" / "_autoload.php").is_file()
    )


def unavailable_reason() -> str:
    """A human-readable reason for ``pytest.skip`` when ``is_available()`` is False."""
    missing = []
    if shutil.which("php") is None:
        missing.append("php (apt package php-cli)")
    if not (SIMPLESAMLPHP_DIR / "www" / "saml2" / "idp" / "SSOService.php").is_file():
        missing.append(f"SimpleSAMLphp in {SIMPLESAMLPHP_DIR} (apt package simplesamlphp)")
    if not missing:
        return "SimpleSAMLphp IdP is available"
    return (
        "SAML IdP not installed: missing " + ", ".join(missing) + " (run tests/idp/install_saml.sh)"
    )


# --------------------------------------------------------------------------- PHP literals


def _php(value: Any, indent: int = 0) -> str:
    """Render a Python value as a PHP literal (strings, numbers, bools, None, lists, dicts)."""
    pad = "    " * (indent + 1)
    end = "    " * indent
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        items = "".join(f"{pad}{_php(v, indent + 1)},\n" for v in value)
        return "[\n" + items + end + "]"
    if isinstance(value, dict):
        if not value:
            return "[]"
        items = "".join(
            f"{pad}{_php(k, indent + 1)} => {_php(v, indent + 1)},\n" for k, v in value.items()
        )
        return "[\n" + items + end + "]"
    raise TypeError(f"cannot render {type(value).__name__} as PHP")


def _write_php(path: Path, variable: str, value: Any) -> None:
    """Write ``<?php $variable = <value>;`` atomically (PHP may read the file at any time)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"<?php\n// generated by tests/idp/saml.py\n${variable} = {_php(value)};\n")
    os.replace(tmp, path)


def _cert_data(cert_pem: str) -> str:
    """The base64 body of a PEM certificate (what SimpleSAMLphp calls certData)."""
    m = re.search(
        r"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", cert_pem, flags=re.S
    )
    body = m.group(1) if m else cert_pem
    body = "".join(body.split())
    base64.b64decode(body, validate=True)  # fail early on garbage
    return body


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed_cert(common_name: str) -> tuple[str, str]:
    """A fresh RSA-2048 key and a self-signed certificate, both PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


# --------------------------------------------------------------------------- HTML forms


class _FormParser(HTMLParser):
    """Collects every <form> with its action, method and named <input>/<button> values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._current = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "fields": {},
                "types": {},
            }
            self.forms.append(self._current)
        elif tag in ("input", "button") and self._current is not None:
            name = a.get("name")
            if not name:
                return
            typ = a.get("type", "text").lower()
            self._current["types"][name] = typ
            if typ in ("checkbox", "radio") and "checked" not in a:
                return
            if tag == "button" or typ == "submit":
                return  # submit buttons are only sent when clicked; not needed here
            self._current["fields"][name] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _forms(page: str) -> list[dict[str, Any]]:
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    return parser.forms


def _page_error(page: str) -> str:
    """Best-effort extraction of the error message SimpleSAMLphp shows on a page."""
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = " ".join(text.split())
    return text[:600]


# --------------------------------------------------------------------------- the IdP


class SamlIdP:
    """SimpleSAMLphp 1.19 as a SAML 2.0 IdP on 127.0.0.1, configured in ``workdir``."""

    USERS: dict[str, dict[str, Any]] = {
        "student1": {
            "password": "student1pass",
            "attributes": {
                "uid": ["student1"],
                "eduPersonAffiliation": ["student", "member"],
                "mail": ["sam.student@campus.example"],
                "displayName": ["Sam Student"],
                "givenName": ["Sam"],
                "sn": ["Student"],
                "eduPersonPrincipalName": ["student1@campus.example"],
            },
        },
        "alum1": {
            "password": "alum1pass",
            "attributes": {
                "uid": ["alum1"],
                "eduPersonAffiliation": ["alum"],
                "mail": ["ali.alum@campus.example"],
                "displayName": ["Ali Alum"],
                "givenName": ["Ali"],
                "sn": ["Alum"],
                "eduPersonPrincipalName": ["alum1@campus.example"],
            },
        },
        "staff1": {
            "password": "staff1pass",
            "attributes": {
                "uid": ["staff1"],
                "eduPersonAffiliation": ["staff", "member"],
                "mail": ["stella.staff@campus.example"],
                "displayName": ["Stella Staff"],
                "givenName": ["Stella"],
                "sn": ["Staff"],
                "eduPersonPrincipalName": ["staff1@campus.example"],
            },
        },
        "faculty1": {
            "password": "faculty1pass",
            "attributes": {
                "uid": ["faculty1"],
                "eduPersonAffiliation": ["faculty"],
                "mail": ["fay.faculty@campus.example"],
                "displayName": ["Fay Faculty"],
                "givenName": ["Fay"],
                "sn": ["Faculty"],
                "eduPersonPrincipalName": ["faculty1@campus.example"],
            },
        },
    }

    AUTH_SOURCE = "campus-users"

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = Path(workdir).resolve()
        self.port = port or _free_port()
        self._proc: subprocess.Popen[bytes] | None = None
        self._php_log = None
        self._sps: dict[str, dict[str, Any]] = {}
        self.admin_password = secrets.token_urlsafe(12)

        self.config_dir = self.workdir / "config"
        self.metadata_dir = self.workdir / "metadata"
        self.cert_dir = self.workdir / "cert"
        self.log_dir = self.workdir / "log"
        for d in (
            self.config_dir,
            self.metadata_dir,
            self.cert_dir,
            self.log_dir,
            self.workdir / "tmp",
            self.workdir / "cache",
            self.workdir / "data",
            self.workdir / "sessions",
        ):
            d.mkdir(parents=True, exist_ok=True)

        key_pem, cert_pem = self_signed_cert("campus-idp.test")
        (self.cert_dir / "idp.key").write_text(key_pem)
        os.chmod(self.cert_dir / "idp.key", 0o600)
        (self.cert_dir / "idp.crt").write_text(cert_pem)
        self._cert_pem = cert_pem
        self._write_config()
        self._write_authsources()
        self._write_idp_hosted()
        self._write_sp_remote()

    # ------------------------------------------------------------------ properties

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def metadata_url(self) -> str:
        return self.base_url + "saml2/idp/metadata.php"

    @property
    def entity_id(self) -> str:
        # SimpleSAMLphp's default IdP entity id is its metadata URL; we set it explicitly.
        return self.metadata_url

    @property
    def sso_url(self) -> str:
        return self.base_url + "saml2/idp/SSOService.php"

    @property
    def slo_url(self) -> str:
        return self.base_url + "saml2/idp/SingleLogoutService.php"

    @property
    def cert_pem(self) -> str:
        return self._cert_pem

    @property
    def log_file(self) -> Path:
        return self.log_dir / "simplesamlphp.log"

    @property
    def php_log_file(self) -> Path:
        return self.log_dir / "php-server.log"

    # ------------------------------------------------------------------ configuration

    def _write_config(self) -> None:
        w = self.workdir
        config = {
            "baseurlpath": self.base_url,
            "certdir": str(self.cert_dir) + "/",
            "loggingdir": str(self.log_dir) + "/",
            "datadir": str(w / "data") + "/",
            "tempdir": str(w / "tmp"),
            "cachedir": str(w / "cache"),
            "metadatadir": str(self.metadata_dir) + "/",
            "metadata.sources": [{"type": "flatfile", "directory": str(self.metadata_dir)}],
            "attributenamemapdir": str(SIMPLESAMLPHP_DIR / "config" / "attributemap") + "/",
            "technicalcontact_name": "Career Connections tests",
            "technicalcontact_email": "idp-admin@campus.example",
            "timezone": "UTC",
            "secretsalt": secrets.token_hex(24),
            "auth.adminpassword": self.admin_password,
            "admin.protectindexpage": False,
            "admin.protectmetadata": False,
            "admin.checkforupdates": False,
            "trusted.url.domains": ["127.0.0.1", f"127.0.0.1:{self.port}"],
            "showerrors": True,
            "errorreporting": False,
            "debug": {"saml": False, "backtraces": True, "validatexml": False},
            "logging.level": 7,  # SimpleSAML\Logger::DEBUG
            "logging.handler": "file",
            "logging.logfile": "simplesamlphp.log",
            "logging.processname": "simplesamlphp",
            "statistics.out": [],
            "enable.saml20-idp": True,
            "enable.shib13-idp": False,
            "enable.adfs-idp": False,
            "module.enable": {
                "core": True,
                "admin": True,
                "saml": True,
                "exampleauth": True,
                "sanitycheck": False,
                "cron": False,
                "consent": False,
            },
            # Sessions: PHP sessions stored in the workdir, cookies usable on plain http.
            "store.type": "phpsession",
            "session.duration": 8 * 60 * 60,
            "session.datastore.timeout": 4 * 60 * 60,
            "session.state.timeout": 60 * 60,
            "session.cookie.name": "CampusIdPSessionID",
            "session.cookie.lifetime": 0,
            "session.cookie.path": "/",
            "session.cookie.domain": None,
            "session.cookie.secure": False,
            "session.cookie.samesite": None,
            "session.phpsession.cookiename": "CampusIdP",
            "session.phpsession.savepath": str(w / "sessions"),
            "session.phpsession.httponly": True,
            "session.authtoken.cookiename": "CampusIdPAuthToken",
            "session.rememberme.enable": False,
            "language.cookie.name": "campus_idp_language",
            "language.cookie.secure": False,
            "language.cookie.samesite": None,
            "language.default": "en",
            "language.available": ["en"],
            "usenewui": False,
            "theme.use": "default",
            "enable.http_post": False,
            "metadata.sign.enable": False,
            "proxy": None,
        }
        _write_php(self.config_dir / "config.php", "config", config)

    def _write_authsources(self) -> None:
        users = {f"{name}:{u['password']}": u["attributes"] for name, u in self.USERS.items()}
        # exampleauth:UserPass takes 'user:password' => attributes pairs after the class name.
        source: dict[Any, Any] = {0: "exampleauth:UserPass"}
        source.update(users)
        sources = {"admin": ["core:AdminPassword"], self.AUTH_SOURCE: source}
        _write_php(self.config_dir / "authsources.php", "config", sources)

    def _write_idp_hosted(self) -> None:
        oid_map: dict[Any, Any] = {"class": "core:AttributeMap"}
        oid_map.update(ATTRIBUTE_OIDS)
        idp = {
            "host": "__DEFAULT__",
            "entityid": self.entity_id,
            "privatekey": "idp.key",
            "certificate": "idp.crt",
            "auth": self.AUTH_SOURCE,
            "signature.algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "saml20.sign.response": True,
            "saml20.sign.assertion": True,
            "NameIDFormat": [NAMEID_PERSISTENT, NAMEID_TRANSIENT],
            "attributes.NameFormat": ATTRNAME_FORMAT_URI,
            "authproc": {
                # Persistent NameID = the username (stable and predictable for tests).
                10: {
                    "class": "saml:AttributeNameID",
                    "attribute": "uid",
                    "Format": NAMEID_PERSISTENT,
                },
                # Without this a request for transient falls back to the SP's NameIDFormat.
                11: {"class": "saml:TransientNameID"},
                # Release attributes under their urn:oid names (NameFormat uri).
                90: oid_map,
            },
        }
        _write_php(
            self.metadata_dir / "saml20-idp-hosted.php",
            f"metadata[{_php(self.entity_id)}]",
            idp,
        )

    def _write_sp_remote(self) -> None:
        body = "<?php\n// generated by tests/idp/saml.py\n"
        for entity_id, md in self._sps.items():
            body += f"$metadata[{_php(entity_id)}] = {_php(md)};\n"
        path = self.metadata_dir / "saml20-sp-remote.php"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(body)
        os.replace(tmp, path)

    def add_sp(
        self,
        entity_id: str,
        acs_url: str | list[str],
        cert_pem: str | None = None,
        slo_url: str | None = None,
        *,
        require_signed_requests: bool | None = None,
        name_id_format: str = NAMEID_PERSISTENT,
        assertion_lifetime: int | None = None,
    ) -> None:
        """Register (or replace) a service provider in saml20-sp-remote.php.

        ``acs_url`` may be a list; all are registered with the HTTP-POST binding (index 0 is
        the default).  When ``cert_pem`` is given it becomes the SP's certData and, unless
        ``require_signed_requests=False``, the IdP rejects AuthnRequests that are not signed
        with it (``validate.authnrequest``).  Takes effect on the next request; no restart.
        """
        acs_urls = [acs_url] if isinstance(acs_url, str) else list(acs_url)
        if not acs_urls:
            raise ValueError("at least one ACS URL is required")
        md: dict[str, Any] = {
            "entityid": entity_id,
            "AssertionConsumerService": [
                {"Binding": BINDING_HTTP_POST, "Location": url, "index": i, "isDefault": i == 0}
                for i, url in enumerate(acs_urls)
            ],
            "NameIDFormat": name_id_format,
            "attributes.NameFormat": ATTRNAME_FORMAT_URI,
            "saml20.sign.response": True,
            "saml20.sign.assertion": True,
            "assertion.encryption": False,
            "nameid.encryption": False,
        }
        if assertion_lifetime is not None:  # seconds an assertion stays valid (default 300)
            md["assertion.lifetime"] = assertion_lifetime
        if slo_url:
            md["SingleLogoutService"] = [
                {"Binding": BINDING_HTTP_REDIRECT, "Location": slo_url},
                {"Binding": BINDING_HTTP_POST, "Location": slo_url},
            ]
        if require_signed_requests is None:
            require_signed_requests = cert_pem is not None
        if require_signed_requests and cert_pem is None:
            raise ValueError("require_signed_requests needs the SP's cert_pem")
        if cert_pem:
            md["certData"] = _cert_data(cert_pem)
        md["validate.authnrequest"] = bool(require_signed_requests)
        md["validate.logout"] = bool(require_signed_requests)
        self._sps[entity_id] = md
        self._write_sp_remote()

    def remove_sp(self, entity_id: str) -> None:
        self._sps.pop(entity_id, None)
        self._write_sp_remote()

    # ------------------------------------------------------------------ process

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["SIMPLESAMLPHP_CONFIG_DIR"] = str(self.config_dir)
        env.pop("PHP_CLI_SERVER_WORKERS", None)
        return env

    def log_tail(self, lines: int = 40) -> str:
        out = []
        for f in (self.php_log_file, self.log_file):
            if f.exists():
                tail = f.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {f}\n" + "\n".join(tail))
        return "\n".join(out) or "(no log output)"

    def _log_size(self) -> int:
        return self.log_file.stat().st_size if self.log_file.exists() else 0

    def last_error(self, since: int = 0) -> str | None:
        """The latest error cause SimpleSAMLphp logged ("Caused by: ...") after byte ``since``."""
        if not self.log_file.exists():
            return None
        with open(self.log_file, "rb") as f:
            f.seek(since)
            text = f.read().decode(errors="replace")
        causes = re.findall(r"Caused by: (.*)", text)
        return causes[-1].strip() if causes else None

    def _describe(self, r: requests.Response, since: int) -> str:
        url = r.url if len(r.url) <= 100 else r.url[:100] + "..."
        cause = self.last_error(since)
        return (
            f"{url} (HTTP {r.status_code})"
            + (f"; SimpleSAMLphp logged: {cause}" if cause else "")
            + f"\npage text: {_page_error(r.text)[:400]}\n{self.log_tail(10)}"
        )

    def start(self) -> SamlIdP:
        if self._proc is not None:
            return self
        if not is_available():
            raise SamlIdPError(unavailable_reason())
        cmd = [
            shutil.which("php") or "php",
            # The built-in server runs with OPcache on; with it, metadata rewritten by
            # add_sp() could be served stale for a couple of seconds.
            "-d", "opcache.enable=0",
            "-d", "display_errors=stderr",
            "-d", "log_errors=0",
            "-d", "error_reporting=E_ALL & ~E_DEPRECATED & ~E_STRICT",
            "-d", "session.save_path=" + str(self.workdir / "sessions"),
            "-d", "date.timezone=UTC",
            "-S", f"127.0.0.1:{self.port}",
            "-t", str(SIMPLESAMLPHP_DIR / "www"),
        ]  # fmt: skip
        self._php_log = open(self.php_log_file, "ab")  # closed in stop()
        try:
            self._proc = subprocess.Popen(
                cmd,
                cwd=str(self.workdir),
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=self._php_log,
                stderr=subprocess.STDOUT,
            )
            self._wait_ready()
        except BaseException:
            self.stop()  # also on KeyboardInterrupt: never leave php running
            raise
        return self

    def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + _START_TIMEOUT
        last_error = "no answer"
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                rc = self._proc.returncode
                raise SamlIdPError(
                    f"php -S exited with code {rc} before the IdP answered "
                    f"(port {self.port} taken?)\n{self.log_tail()}"
                )
            try:
                r = requests.get(self.metadata_url, timeout=2)
                if r.status_code == 200 and "EntityDescriptor" in r.text:
                    return
                last_error = f"HTTP {r.status_code}: {_page_error(r.text)[:300]}"
            except requests.RequestException as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            time.sleep(0.2)
        raise SamlIdPError(
            f"SimpleSAMLphp did not serve {self.metadata_url} within {_START_TIMEOUT:.0f}s "
            f"(last: {last_error})\n{self.log_tail()}"
        )

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        try:
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
        finally:
            if self._php_log is not None:
                self._php_log.close()
                self._php_log = None

    def __enter__(self) -> SamlIdP:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ HTTP helpers

    def metadata_xml(self) -> str:
        """The IdP's SAML 2.0 metadata, fetched over HTTP from the running server."""
        r = requests.get(self.metadata_url, timeout=10)
        r.raise_for_status()
        return r.text

    def login(
        self,
        session: requests.Session,
        sso_redirect_url: str,
        username: str,
        password: str,
    ) -> tuple[str, dict[str, str]]:
        """Log in through the IdP's form like a browser would.

        ``sso_redirect_url`` is where the SP sent the browser (the SSO URL with SAMLRequest,
        RelayState and, for signed requests, SigAlg/Signature).  Returns ``(acs_url, fields)``
        from the auto-submitting form the IdP renders (``fields`` holds SAMLResponse and, if
        the SP sent one, RelayState).  The form is *not* posted.  If the session already has
        an IdP login, the IdP answers straight away and the credentials are not used.
        """
        log_start = self._log_size()
        r = session.get(sso_redirect_url, allow_redirects=True, timeout=15)
        result = self._saml_post_form(r)
        if result is not None:
            return result  # already logged in at the IdP
        login_form = self._login_form(r)
        if login_form is None:
            raise SamlIdPError(f"unexpected IdP page at {self._describe(r, log_start)}")
        fields = dict(login_form["fields"])
        types = login_form["types"]
        user_field = next((n for n in types if n.lower() == "username"), "username")
        pass_field = next((n for n, t in types.items() if t == "password"), "password")
        fields[user_field] = username
        fields[pass_field] = password
        action = urljoin(r.url, login_form["action"] or r.url)
        if login_form["method"] == "post":
            r = session.post(action, data=fields, allow_redirects=True, timeout=15)
        else:
            r = session.get(action, params=fields, allow_redirects=True, timeout=15)
        result = self._saml_post_form(r)
        if result is not None:
            return result
        if self._login_form(r) is not None:
            raise SamlIdPError(
                f"IdP rejected the credentials for {username!r}: {_page_error(r.text)[:300]}"
            )
        raise SamlIdPError(
            f"login for {username!r} gave no SAMLResponse: {self._describe(r, log_start)}"
        )

    @staticmethod
    def _saml_post_form(r: requests.Response) -> tuple[str, dict[str, str]] | None:
        for form in _forms(r.text):
            if "SAMLResponse" in form["fields"]:
                return urljoin(r.url, form["action"]), dict(form["fields"])
        return None

    @staticmethod
    def _login_form(r: requests.Response) -> dict[str, Any] | None:
        for form in _forms(r.text):
            if "password" in form["types"].values():
                return form
        return None
