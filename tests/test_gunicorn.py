"""gunicorn as the README and docs/deploy.md run it from the checkout: two instances on one host get control
sockets of their own, and the documented restarts (HUP; USR2 then TERM of the old master, for new code) drop no
request while clients keep coming."""
import contextlib
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _own_ports() -> range:
    # pytest-xdist workers of one run each take their own ports: a port probed free by one worker and bound by
    # the other a moment later made an instance "serve" that was another test's
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 2
    return range(5193, 5196) if worker == 0 else range(5196, 5200)


def free_ports(count: int, candidates=None) -> list[int]:
    """Ports nobody listens on now (another run of this suite on the machine may hold some)."""
    import socket

    candidates = candidates or _own_ports()
    found = []
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    pytest.skip("no free port in 5193-5199")
WAIT_SECONDS = 90  # a limit for a broken run, not a speed target


def env_for(var: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MAIL_", "PUBLIC_", "DATABASE_", "REDIS_", "CELERY_", "MEETING_MANAGER_"))}
    env.update(MEETING_MANAGER_VAR=str(var), FLASK_APP="wsgi", LOG_FORMAT="off")
    return env


@pytest.fixture
def site(tmp_path):
    """A migrated SQLite deployment under tmp_path/var; `start(port)` starts a gunicorn there."""
    var = tmp_path / "var"
    env = env_for(var)
    subprocess.run([str(ROOT / ".venv/bin/flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    started = []

    def start(port: int) -> subprocess.Popen:
        log = open(tmp_path / f"gunicorn-{port}.log", "ab")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--workers", "2", "--threads", "2", "--bind", f"127.0.0.1:{port}",
             "--pid", str(var / f"gunicorn-{port}.pid"), "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append((process, log))
        wait_until(lambda: get(port) == 200, f"serve on {port}")
        return process

    yield var, start
    for pid_file in var.glob("gunicorn-*.pid*"):
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    for process, log in started:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def get(port: int, path: str = "/healthz") -> int | str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError as error:
        return type(error).__name__


def wait_until(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"did not {what} within {WAIT_SECONDS} s")
        time.sleep(0.2)


class Clients:
    """Two clients asking for /healthz without pause; `answers` counts what they got."""

    def __init__(self, port: int):
        self.port, self.answers, self.stop = port, {}, threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(2)]

    def run(self):
        while not self.stop.is_set():
            answer = get(self.port)
            self.answers[answer] = self.answers.get(answer, 0) + 1

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def children(pid: int) -> list[int]:
    done = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in done.stdout.split()]


def test_two_instances_on_one_host_have_their_own_control_sockets(site):
    var, start = site
    ports = free_ports(2)
    for port in ports:
        start(port)
    wanted = [f"gunicorn-127_0_0_1_{port}.ctl" for port in ports]

    def sockets():
        return sorted(path.name for path in var.glob("gunicorn-*.ctl"))

    # a master opens its control socket in a thread of its own, after it serves: wait for both
    wait_until(lambda: sockets() == wanted, "open a control socket per instance")
    assert sockets() == wanted


def test_hup_and_a_code_upgrade_drop_no_request(site):
    var, start = site
    [port] = free_ports(1)
    master = start(port)
    pid_file = var / f"gunicorn-{port}.pid"
    with Clients(port) as clients:
        time.sleep(1)
        master.send_signal(signal.SIGHUP)  # new workers, forked from the preloaded master
        wait_until(lambda: len(children(master.pid)) == 2, "replace the workers after HUP")
        time.sleep(1)

        os.kill(master.pid, signal.SIGUSR2)  # a new master with the code as it is now on disk
        new_pid_file = pid_file.with_name(pid_file.name + ".2")  # where gunicorn keeps the new master's id
        wait_until(lambda: new_pid_file.exists() and new_pid_file.read_text().strip(), "start a new master")
        new_master = int(new_pid_file.read_text())
        wait_until(lambda: len(children(new_master)) == 2, "start the new master's workers")
        master.send_signal(signal.SIGTERM)  # the old master finishes what it has in hand, then stops
        master.wait(timeout=60)
        time.sleep(1)
    assert list(clients.answers) == [200], clients.answers  # every request answered, none refused or failed
    assert clients.answers[200] > 10
