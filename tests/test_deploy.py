"""What can be checked of the image and the compose stack without Docker (issue 16, item 7):
the lockfiles, the Dockerfile's stages and user, the build context, every command the stack
runs and every environment name it sets."""

from __future__ import annotations

import fnmatch
import importlib.util
import ipaddress
import re
import shlex
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bin"))
import lockcheck  # noqa: E402

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text().splitlines()
APP_SERVICES = ["migrate", "web", "worker", "beat"]


def _locked(name: str) -> dict[str, str]:
    return lockcheck.pins((ROOT / "requirements" / f"{name}.txt").read_text().splitlines())


def _ignored_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _in_build_context(relative: str) -> bool:
    """Whether `relative` reaches the image under .dockerignore (last matching rule wins)."""
    included = True
    for pattern in _ignored_patterns():
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        parts = Path(relative).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(
            fnmatch.fnmatch(p, pattern) or fnmatch.fnmatch(p, pattern.removeprefix("**/"))
            for p in prefixes
        ):
            included = negate
    return included


# --- lockfile ---------------------------------------------------------------------------


def test_lockfiles_pin_every_dependency_of_pyproject():
    assert lockcheck.problems() == []


def test_lockcheck_names_a_dependency_missing_from_the_lock(tmp_path):
    (tmp_path / "requirements").mkdir()
    text = (
        (ROOT / "pyproject.toml")
        .read_text()
        .replace('"httpx==0.28.1",', '"httpx==0.28.1",\n    "somenewlib==1.0",')
    )
    (tmp_path / "pyproject.toml").write_text(text)
    for lock in ("base", "dev"):
        (tmp_path / "requirements" / f"{lock}.txt").write_text(
            (ROOT / "requirements" / f"{lock}.txt").read_text()
        )
    assert "somenewlib==1.0 is not in requirements/base.txt" in lockcheck.problems(tmp_path)


def test_this_environment_was_installed_from_the_lock():
    """`make install` installs requirements/dev.txt: every locked version is the one here."""
    wrong = {}
    for name, version in _locked("dev").items():
        try:
            installed = distribution(name).version
        except PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (version, installed)
    assert wrong == {}


def test_image_and_development_locks_agree():
    base, dev = _locked("base"), _locked("dev")
    assert {name: dev.get(name) for name in base} == base


# --- Dockerfile -------------------------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    joined, current = [], ""
    for line in DOCKERFILE:
        if line.strip().startswith("#") or not line.strip():
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            word, _, rest = current.strip().partition(" ")
            joined.append((word.upper(), rest))
            current = ""
    return joined


def test_dockerfile_is_multi_stage_with_a_cached_dependency_layer_and_non_root_user():
    steps = _instructions()
    froms = [i for i, (word, _) in enumerate(steps) if word == "FROM"]
    assert len(froms) >= 2, "multi-stage build"
    # the dependency stage copies only the lockfile before installing it
    deps_stage = steps[froms[0] : froms[1]]
    copies = [rest for word, rest in deps_stage if word == "COPY"]
    assert copies == ["requirements/base.txt /tmp/requirements.txt"]
    assert any(
        word == "RUN" and "-r /tmp/requirements.txt" in rest and "--no-deps" in rest
        for word, rest in deps_stage
    )
    final = steps[froms[-1] :]
    users = [rest for word, rest in final if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert [w for w, _ in final].index("USER") < [w for w, _ in final].index("CMD")
    env = " ".join(rest for word, rest in final if word == "ENV")
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in env


def test_build_context_leaves_out_local_state_and_secrets():
    for path in [".venv/bin/python", ".env", ".run/db.sqlite3", ".git/config", ".env.local"]:
        assert not _in_build_context(path), path
    for path in ["manage.py", "config/gunicorn.py", "requirements/base.txt", ".env.example"]:
        assert _in_build_context(path), path


# --- commands the stack runs -------------------------------------------------------------


def _app_commands() -> list[list[str]]:
    commands = [json_cmd for word, json_cmd in _instructions() if word == "CMD"]
    out = [yaml.safe_load(c) for c in commands]
    for name in APP_SERVICES:
        service = COMPOSE["services"][name]
        command = service["command"]
        out.append(command if isinstance(command, list) else shlex.split(command))
        test = (service.get("healthcheck") or {}).get("test")
        if test and test[0] == "CMD":
            out.append(test[1:])
        elif test and test[0] == "CMD-SHELL":
            out.append(shlex.split(test[1].replace("$$", "$")))
    return out


def _console_scripts() -> set[str]:
    scripts = set()
    for name in _locked("base"):
        try:
            entry_points = distribution(name).entry_points
        except PackageNotFoundError:
            continue
        scripts |= {ep.name for ep in entry_points if ep.group == "console_scripts"}
    return scripts


def test_every_command_exists_in_the_image():
    from django.core.management import get_commands
    from django.urls import resolve

    scripts = _console_scripts()
    commands = _app_commands()
    assert len(commands) >= 7
    for argv in commands:
        program = argv[0]
        assert program == "python" or program in scripts, f"{program} is not in the image"
        if program == "python" and argv[1] == "manage.py":
            assert argv[2] in get_commands(), argv
        if program == "python" and argv[1] == "-c":
            compile(argv[2], "<healthcheck>", "exec")
            for url in re.findall(r"http://127\.0\.0\.1:8000(/[^'\"]*)", argv[2]):
                resolve(url)
        if program == "gunicorn":
            module = argv[1].split(":")[0]
            assert importlib.util.find_spec(module), module
            config = argv[argv.index("-c") + 1]
            assert (ROOT / config).exists() and _in_build_context(config)
        if program == "celery":
            assert argv[argv.index("-A") + 1] == "config"
            assert argv[3] in ("worker", "beat", "inspect")


# --- environment names ------------------------------------------------------------------


def _names_read_by_the_code() -> set[str]:
    names = set()
    sources = [
        p
        for p in ROOT.rglob("*.py")
        if not {".venv", "tests", "bench", ".git"} & set(p.relative_to(ROOT).parts)
    ]
    for path in sources:
        text = path.read_text()
        names |= set(re.findall(r"env_(?:str|bool|int|decimal|list)\(\s*\"([A-Z0-9_]+)\"", text))
        names |= set(re.findall(r"os\.environ(?:\.get|\.setdefault)?\(\s*\"([A-Z0-9_]+)\"", text))
        names |= set(re.findall(r"os\.environ\[\"([A-Z0-9_]+)\"\]", text))
    names |= set(re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / "bin" / "run-all").read_text()))
    # read by the libraries themselves
    return names | {"PROMETHEUS_MULTIPROC_DIR"}


def test_env_names_in_compose_and_env_example_are_read_by_the_settings():
    read = _names_read_by_the_code()
    app_env = COMPOSE["x-app"]["environment"]
    unknown = sorted(set(app_env) - read)
    assert unknown == [], f"compose sets {unknown}, which nothing reads"
    example = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    compose_only = {"POSTGRES_PASSWORD", "SITE_ADDRESS"}  # read by compose itself
    unknown = sorted(set(example) - read - compose_only)
    assert unknown == [], f".env.example lists {unknown}, which nothing reads"
    interpolated = set(re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / "docker-compose.yml").read_text()))
    assert interpolated <= compose_only | read


def test_only_the_real_proxy_is_trusted():
    trusted = COMPOSE["x-app"]["environment"]["TRUSTED_PROXIES"]
    caddy = COMPOSE["services"]["caddy"]["networks"]["edge"]["ipv4_address"]
    assert trusted == caddy
    subnet = COMPOSE["networks"]["edge"]["ipam"]["config"][0]["subnet"]
    network = ipaddress.ip_network(subnet)
    assert ipaddress.ip_address(caddy) in network and network.num_addresses <= 16
    assert "edge" in COMPOSE["services"]["web"]["networks"]


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi", "config.celery"])
def test_entry_points_default_to_production_settings(module):
    text = (ROOT / Path(*module.split("."))).with_suffix(".py").read_text()
    assert 'setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")' in text
    assert "config.settings.dev" not in text


# --- make test's footprint -------------------------------------------------------------


def test_make_test_creates_no_database_and_names_what_it_uses():
    makefile = (ROOT / "Makefile").read_text()
    assert "CREATE DATABASE" not in makefile.upper()
    readme = (ROOT / "README.md").read_text()
    assert "`TEST_DATABASE_NAME`" in readme and "`REDIS_URL`" in readme
    assert "empties before every test" in readme


@pytest.mark.django_db
def test_the_suite_refuses_a_redis_database_a_running_platform_uses():
    from core.redis import get_redis
    from tests.conftest import platform_keys_present

    client = get_redis()
    client.set("pftest:1:setting:v1:x", "1")  # the suite's own cache keys
    assert not platform_keys_present(client)
    client.set("pf:1:setting:v1:x", "1")  # `make run` / a deployment's cache keys
    try:
        assert platform_keys_present(client)
    finally:
        client.delete("pf:1:setting:v1:x")
