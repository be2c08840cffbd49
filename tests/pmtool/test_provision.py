"""scripts/provision.sh, run by `make test`: what it decides to set up, and what it says when it cannot.

The script runs for real, in bash, with a PATH that holds only a few real tools (bash, timeout,
ls, ...) plus tiny fake `apt-get`, `id`, `sudo`, `pg_ctlcluster` and `redis-server` written here.
The fakes record their arguments; the service fakes really listen on a free port (so the
script's own "does it answer" check is exercised), and the apt fake really creates the browser
file. Nothing on this machine is installed, started or removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "provision.sh"
REAL_TOOLS = ("bash", "timeout", "ls", "sort", "tail", "sleep", "cat")

# A process that listens on 127.0.0.1:$1 until killed, and writes its pid to $2.
LISTENER = f"""#!/bin/sh
PATH=/usr/bin:/bin
nohup {sys.executable} -c '
import os, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
open(sys.argv[2], "w").write(str(os.getpid()))
while True: s.accept()[0].close()
' "$1" "$2" >/dev/null 2>&1 &
i=0; while [ ! -s "$2" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Machine:
    """A fake machine for the script: its commands, its files, its ports."""

    root: Path
    bin: Path
    chromium: Path
    apt_lists: Path
    pg_etc: Path
    pg_port: int
    redis_port: int
    calls: Path
    pids: list[Path]

    def fake(self, name: str, body: str) -> None:
        path = self.bin / name
        path.write_text(f'#!/bin/bash\necho "{name} $*" >> "{self.calls}"\nPATH="{self.bin}:/usr/bin:/bin"\n{body}\n')
        path.chmod(path.stat().st_mode | stat.S_IEXEC)

    def listen(self, port: int) -> None:
        pid = self.root / f"listener-{port}.pid"
        self.pids.append(pid)
        subprocess.run(["sh", str(self.root / "listen.sh"), str(port), str(pid)], check=True)

    def run(self, **env: str) -> subprocess.CompletedProcess[str]:
        base = {
            "PATH": str(self.bin),
            "HOME": str(self.root),
            "CHROMIUM_PATH": str(self.chromium),
            "PROVISION_APT_CHROMIUM": str(self.chromium),
            "PROVISION_APT_LISTS": str(self.apt_lists),
            "PROVISION_PG_ETC": str(self.pg_etc),
            "PROVISION_PG_ADDR": f"127.0.0.1:{self.pg_port}",
            "PROVISION_REDIS_ADDR": f"127.0.0.1:{self.redis_port}",
            "PROVISION_WAIT": "5",
        }
        return subprocess.run(
            ["bash", str(SCRIPT)], env={**base, **env}, capture_output=True, text=True, timeout=60, check=False
        )

    def called(self) -> list[str]:
        """The commands run, except the harmless `id -u` and `sudo -n true` probes."""
        lines = self.calls.read_text().splitlines() if self.calls.exists() else []
        return [c for c in lines if c not in {"id -u", "sudo -n true"}]


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[Machine]:
    """Everything present: chromium, apt lists, a PostgreSQL and a Redis that answer, root."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in REAL_TOOLS:
        real = shutil.which(tool)
        assert real, tool
        (bin_dir / tool).symlink_to(real)
    (tmp_path / "listen.sh").write_text(LISTENER)
    m = Machine(
        root=tmp_path,
        bin=bin_dir,
        chromium=tmp_path / "usr-bin" / "chromium",
        apt_lists=tmp_path / "apt-lists",
        pg_etc=tmp_path / "etc-postgresql",
        pg_port=free_port(),
        redis_port=free_port(),
        calls=tmp_path / "calls.log",
        pids=[],
    )
    m.chromium.parent.mkdir()
    m.chromium.write_text("#!/bin/sh\necho 'Chromium 140.0'\n")
    m.chromium.chmod(0o755)
    m.apt_lists.mkdir()
    (m.apt_lists / "deb.debian.org_debian_dists_trixie_main_binary-amd64_Packages.lz4").write_text("")
    (m.pg_etc / "15" / "main").mkdir(parents=True)
    m.fake("id", 'echo "${FAKE_UID:-0}"')
    # apt-get install "creates" the browser where Debian's package puts it (unless told to fail).
    m.fake(
        "apt-get",
        f'[ -n "$FAKE_APT_FAIL" ] && {{ echo "E: Unable to locate package chromium" >&2; exit 100; }}\n'
        f'case " $* " in *" install "*) printf "#!/bin/sh\\necho Chromium\\n" > "{m.chromium}";'
        f' chmod +x "{m.chromium}";; esac',
    )
    m.fake("pg_ctlcluster", f'[ -n "$FAKE_PG_BROKEN" ] || sh "{tmp_path}/listen.sh" {m.pg_port} "{tmp_path}/pg.pid"')
    m.pids.append(tmp_path / "pg.pid")
    m.fake("redis-server", f'sh "{tmp_path}/listen.sh" {m.redis_port} "{tmp_path}/redis.pid"')
    m.pids.append(tmp_path / "redis.pid")
    m.listen(m.pg_port)
    m.listen(m.redis_port)
    try:
        yield m
    finally:
        for pid_file in m.pids:
            if pid_file.exists() and pid_file.read_text().strip():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid_file.read_text()), signal.SIGTERM)


def stop(m: Machine, port: int) -> None:
    """Nothing answers on `port` any more (kills the fixture's listener for it)."""
    pid_file = m.root / f"listener-{port}.pid"
    os.kill(int(pid_file.read_text()), signal.SIGTERM)
    pid_file.unlink()
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return
        subprocess.run(["sleep", "0.05"], check=True)
    raise AssertionError(f"port {port} still answers")


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def test_everything_present_does_nothing_at_all(machine):
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert machine.called() == []  # no apt call, no service command
    assert result.stdout == "" and result.stderr == ""


def test_missing_browser_is_installed_with_apt_update_first_when_lists_are_empty(machine):
    machine.chromium.unlink()
    for f in machine.apt_lists.iterdir():
        f.unlink()
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert machine.called() == [
        "apt-get update -qq",
        "apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core",
    ]
    assert os.access(machine.chromium, os.X_OK)
    assert "chromium installed" in result.stdout


def test_missing_browser_with_package_lists_skips_apt_update(machine):
    machine.chromium.unlink()
    result = machine.run(CI="true")
    assert result.returncode == 0, result.stderr
    assert machine.called() == ["apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core"]


@pytest.mark.parametrize("ci", ["", "true"])
def test_not_root_says_the_command_in_one_line_and_fails_only_in_ci(machine, ci):
    machine.chromium.unlink()
    result = machine.run(FAKE_UID="1000", CI=ci)
    line = one_line(result.stderr)
    assert "chromium" in line and "needs root" in line
    install = "apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core"
    assert f"sudo sh -c '{install}'" in line
    assert [c for c in machine.called() if c.startswith("apt-get")] == []
    if ci:
        assert result.returncode == 1 and line.startswith("provision: ERROR:")
    else:
        assert result.returncode == 0 and line.startswith("provision: WARNING:") and "skipped" in line


def test_not_root_with_passwordless_sudo_installs_through_sudo(machine):
    machine.chromium.unlink()
    machine.fake("sudo", '[ "$1" = -n ] && shift; [ "$1" = true ] && exit 0; exec "$@"')
    result = machine.run(FAKE_UID="1000", CI="true")
    assert result.returncode == 0, result.stderr
    assert "sudo -n apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core" in machine.called()


def test_no_apt_on_the_machine(machine):
    machine.chromium.unlink()
    (machine.bin / "apt-get").unlink()
    result = machine.run(CI="true")
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "no apt-get" in line and "CHROMIUM_PATH" in line


def test_package_not_found(machine):
    machine.chromium.unlink()
    result = machine.run(CI="true", FAKE_APT_FAIL="1")
    assert result.returncode == 1
    assert "could not install chromium: run  apt-get update && apt-get install" in result.stderr


def test_postgres_not_answering_is_started_and_waited_for(machine):
    stop(machine, machine.pg_port)
    result = machine.run(CI="true", DATABASE_URL=f"postgres://postgres@127.0.0.1:{machine.pg_port}/pmtool_ci")
    assert result.returncode == 0, result.stderr
    assert machine.called() == ["pg_ctlcluster --skip-systemctl-redirect 15 main start"]
    assert "starting PostgreSQL 15" in result.stdout


def test_postgres_started_but_never_answering_fails_in_ci(machine):
    stop(machine, machine.pg_port)
    result = machine.run(CI="true", FAKE_PG_BROKEN="1", PROVISION_WAIT="1")
    assert result.returncode == 1
    assert "does not answer" in one_line(result.stderr)


def test_postgres_missing_from_the_machine(machine):
    stop(machine, machine.pg_port)
    shutil.rmtree(machine.pg_etc)
    result = machine.run()
    assert result.returncode == 0
    line = one_line(result.stderr)
    assert "PostgreSQL is not answering" in line and "apt-get install -y postgresql" in line
    assert machine.called() == []


@pytest.mark.parametrize(
    "database_url", ["postgres://postgres@db.example.com:5432/pmtool", "sqlite:////tmp/pmtool-test.sqlite3"]
)
def test_a_database_elsewhere_is_not_started_here(machine, database_url):
    stop(machine, machine.pg_port)
    result = machine.run(CI="true", DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr
    assert machine.called() == []


def test_redis_not_answering_is_started(machine):
    stop(machine, machine.redis_port)
    result = machine.run(CI="true", TEST_REDIS_URL=f"redis://127.0.0.1:{machine.redis_port}/4")
    assert result.returncode == 0, result.stderr
    assert machine.called() == [
        f"redis-server --daemonize yes --bind 127.0.0.1 --port {machine.redis_port} --save  --appendonly no"
    ]


def test_redis_missing_from_the_machine(machine):
    stop(machine, machine.redis_port)
    (machine.bin / "redis-server").unlink()
    result = machine.run(CI="true")
    assert result.returncode == 1
    assert "apt-get install -y redis-server" in one_line(result.stderr)


def test_everything_missing_reports_each_thing_once(machine):
    machine.chromium.unlink()
    stop(machine, machine.pg_port)
    stop(machine, machine.redis_port)
    shutil.rmtree(machine.pg_etc)
    (machine.bin / "redis-server").unlink()
    result = machine.run(FAKE_UID="1000")
    assert result.returncode == 0
    assert len(result.stderr.strip().splitlines()) == 3


def test_test_sh_provisions_before_running_pytest_and_stops_in_ci_when_it_cannot():
    text = (ROOT / "scripts" / "test.sh").read_text()
    assert text.index("bash scripts/provision.sh") < text.index("-m pytest")
    assert "set -euo pipefail" in text  # a failed provision (CI=true) ends test.sh before pytest
    ci = (ROOT / ".ci" / "run").read_text()
    assert "apt-get" not in ci and "pg_ctlcluster" not in ci and "redis-server" not in ci  # make test does it
    assert "make test" in ci
    makefile = (ROOT / "Makefile").read_text()
    assert "bash scripts/test.sh" in makefile


def test_readme_says_make_test_sets_up_what_the_tests_need():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme[readme.index("## Quick start") : readme.index("## Pages")]
    assert "make test" in quick_start
    assert "scripts/provision.sh" in quick_start
    assert "chromium" in quick_start and "nothing is skipped" in quick_start
    testing = readme[readme.index("## Testing") : readme.index("## Deploy")]
    assert "scripts/provision.sh" in testing
    assert "installs `chromium` with apt-get if" not in testing  # no longer .ci/run's job
