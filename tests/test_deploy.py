"""The deploy files: deploy/compose.yaml read with PyYAML and checked against the Procfile
and the app's own settings. Nothing is started but ``--help`` and ``--check-config``."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.support import ROOT, TMP_ROOT

COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
SERVICES: dict[str, dict] = COMPOSE["services"]
PROCFILE = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines()
                if line.strip() and not line.startswith("#"))
WEB = sorted(name for name in SERVICES if name.startswith("web"))
APP = [*WEB, "worker", "migrate"]
# A tag that names one release: digits in it, never "latest"; or a digest.
PINNED = re.compile(r"^[\w./-]+(:(?!latest$)[\w.-]*\d[\w.-]*|@sha256:[0-9a-f]{64})$")


def filled_in(value: str) -> str:
    """``value`` with each ``${VAR...}`` replaced by a plain word, as compose would."""
    return re.sub(r"\$\{\w+[^}]*\}", "value", value)


def command(service: str) -> list[str]:
    value = SERVICES[service]["command"]
    return value if isinstance(value, list) else shlex.split(value)


def test_procfile_has_the_three_process_types():
    assert set(PROCFILE) == {"release", "web", "worker"}
    assert PROCFILE["release"] == "flask --app marketplace db upgrade"
    assert shlex.split(PROCFILE["web"])[0] == "gunicorn"
    assert PROCFILE["worker"] == "python -m workers"


def test_compose_runs_the_procfile_commands():
    for service in WEB:
        assert command(service) == shlex.split(PROCFILE["web"]), service
    assert command("worker") == shlex.split(PROCFILE["worker"])
    assert command("migrate") == shlex.split(PROCFILE["release"])
    # Upgrades first: no web process or worker starts before the release step succeeded.
    for service in ["worker", *WEB]:
        assert SERVICES[service]["depends_on"]["migrate"] == \
            {"condition": "service_completed_successfully"}, service


def test_the_shape_is_postgres_redis_minio_two_webs_and_a_worker():
    images = {name: spec.get("image", "") for name, spec in SERVICES.items()}
    assert images["postgres"].startswith("postgres:")
    assert images["redis"].startswith("redis:")
    assert images["minio"].startswith("minio/minio:")
    assert len(WEB) == 2 and "worker" in SERVICES


def test_every_image_is_pinned_or_built_from_a_pinned_dockerfile():
    for name, spec in SERVICES.items():
        build = spec.get("build")
        if build is None:
            assert PINNED.match(spec.get("image", "")), f"{name}: {spec.get('image')!r}"
            continue
        context = (ROOT / "deploy" / build["context"]).resolve()
        dockerfile = context / build.get("dockerfile", "Dockerfile")
        assert context == ROOT and dockerfile.is_file(), name
        bases = re.findall(r"^FROM\s+(\S+)", dockerfile.read_text(), re.M)
        assert bases and all(PINNED.match(base) for base in bases), bases
        # What the Dockerfile copies is in the repository.
        for source in re.findall(r"^COPY\s+(\S+)\s", dockerfile.read_text(), re.M):
            assert (ROOT / source).exists(), source


def test_app_services_have_what_the_app_needs_pointing_at_services_that_exist():
    for name in APP:
        env = SERVICES[name]["environment"]
        for key in ("DATABASE_URL", "REDIS_URL", "STORAGE_URL", "SECRET_KEY"):
            assert env.get(key), f"{name} has no {key}"
        database, redis, store = (urlsplit(filled_in(env[key])) for key in
                                  ("DATABASE_URL", "REDIS_URL", "S3_ENDPOINT_URL"))
        assert database.scheme == "postgresql+psycopg" and database.hostname == "postgres"
        assert redis.scheme == "redis" and redis.hostname == "redis"
        assert store.hostname == "minio" and env["STORAGE_URL"].startswith("s3://")
        # Secrets come from the environment (deploy/.env), never from this file.
        for key in ("SECRET_KEY", "AWS_SECRET_ACCESS_KEY"):
            assert env[key].startswith("${") and ":?" in env[key], f"{name}: {key}"
        assert env["LOG_FORMAT"] == "json"
    for name in WEB:
        env = SERVICES[name]["environment"]
        assert env["METRICS_TOKEN"].startswith("${METRICS_TOKEN:?")
        # The multi-process directory is a tmpfs: empty at each start, as it must be.
        assert env["PROMETHEUS_MULTIPROC_DIR"] in SERVICES[name]["tmpfs"]
    assert "PROMETHEUS_MULTIPROC_DIR" not in SERVICES["worker"]["environment"]


def test_depends_on_names_services_that_exist():
    for name, spec in SERVICES.items():
        needs = spec.get("depends_on", {})
        for other in (needs if isinstance(needs, list) else needs.keys()):
            assert other in SERVICES and other != name, f"{name} -> {other}"


def test_only_the_web_processes_publish_ports_and_only_on_loopback():
    published = {name: spec["ports"] for name, spec in SERVICES.items() if spec.get("ports")}
    assert sorted(published) == WEB
    host_ports = set()
    for ports in published.values():
        for port in ports:
            host, host_port, container_port = str(port).split(":")
            assert host == "127.0.0.1" and container_port == "8000"
            host_ports.add(host_port)
    assert len(host_ports) == len(WEB)


def test_every_variable_the_compose_file_needs_is_in_the_example_env():
    text = (ROOT / "deploy" / "compose.yaml").read_text()
    needed = set(re.findall(r"\$\{(\w+)", text))
    example = {line.split("=", 1)[0] for line in
               (ROOT / "deploy" / "env.example").read_text().splitlines()
               if re.match(r"^\w+=", line)}
    assert needed <= example, needed - example


@pytest.fixture
def app_env(tmp_path) -> dict:
    return {**os.environ, "SECRET_KEY": "deploy-test", "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite:///{TMP_ROOT / 'deploy-check.db'}",
            "INSTANCE_PATH": str(tmp_path), "PORT": "0"}


def test_the_procfile_commands_resolve(app_env):
    bin_dir = Path(sys.executable).parent
    release = shlex.split(PROCFILE["release"])
    result = subprocess.run([str(bin_dir / release[0]), *release[1:], "--help"], cwd=ROOT,
                            env=app_env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "Upgrade to a later version" in result.stdout, \
        result.stderr[-2000:]
    # gunicorn loads the app named in the Procfile and exits without serving.
    web = shlex.split(PROCFILE["web"])
    result = subprocess.run([str(bin_dir / web[0]), *web[1:], "--check-config"], cwd=ROOT,
                            env=app_env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    worker = shlex.split(PROCFILE["worker"])
    assert worker[:2] == ["python", "-m"]
    result = subprocess.run([sys.executable, "-c", f"import {worker[2]}.__main__"], cwd=ROOT,
                            env=app_env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
