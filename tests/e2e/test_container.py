"""Supervision recipes that work as written (issue 13, item 4).

`php bin/laravels start` in the foreground as PID 1 of a container: the master handles the
stop signals (PID 1 has no default action for them) and reaps the orphans re-parented to
it, so none stays a zombie. The container is a new PID namespace made with util-linux's
unshare, as Docker makes one. And docs/deploy/laravels.service, the systemd unit: verified
by systemd-analyze, its ExecStart, ExecReload and stop signal run as systemd runs them.
(The Supervisord block is tests/e2e/test_supervisord.py; Serverless, test_seed_readme.py.)"""
import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from harness import EXTENSION, REPO, RUNTIME_EXEC, Server, start_foreground

pytestmark = pytest.mark.laravel_only

# A route whose request leaves an orphan behind: sh starts `sleep` in the background and
# exits, so `sleep` is re-parented to PID 1 and, when it ends, must be reaped there.
ORPHAN_ROUTE = "\nRoute::get('/orphan', function () { exec('sh -c \"sleep 0.3 >/dev/null 2>&1 &\"'); return 'ok'; });\n"


def children_of(pid: int) -> list[tuple[int, str]]:
    """(pid, state) of each process whose parent is `pid`, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its ')'.
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append((int(text.split()[0]), fields[0]))
    return found


@pytest.mark.skipif(os.geteuid() != 0, reason="a new PID namespace needs root")
def test_the_master_as_pid_1_stops_on_sigterm_and_reaps_orphans(laravel_app):
    with open(laravel_app / "routes" / "api.php", "a") as api:
        api.write(ORPHAN_ROUTE)
    s = Server(laravel_app)
    command = ["unshare", "--pid", "--fork", "--mount-proc", *RUNTIME_EXEC, "php", "-d", f"extension={EXTENSION}", "bin/laravels", "start"]
    proc, out = start_foreground(command, laravel_app, s.env)
    try:
        # The pid file says 1: the master is PID 1 in its namespace.
        assert (laravel_app / "storage" / "laravels.pid").read_text().strip() == "1"
        # unshare forks the master; the PHP root's wrappers (if any) exec in place.
        [(master, _)] = children_of(proc.pid)
        nspid = [l for l in Path(f"/proc/{master}/status").read_text().splitlines() if l.startswith("NSpid:")]
        assert nspid and nspid[0].split()[-1] == "1", nspid
        for _ in range(5):
            r = httpx.get(s.url + "/api/orphan")
            assert r.status_code == 200 and r.text == "ok"
        time.sleep(1.5)
        zombies = [pid for pid, state in children_of(master) if state == "Z"]
        assert zombies == [], f"orphans left as zombies under the master: {zombies}"
        # docker stop: SIGTERM to PID 1, which must act on it.
        os.kill(master, signal.SIGTERM)
        assert proc.wait(30) == 0, "".join(out)
        assert "received SIGTERM, stopping" in "".join(out)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def service_settings(unit: str) -> dict[str, str]:
    """The [Service] section's settings of a systemd unit."""
    section = unit.split("[Service]", 1)[1].split("\n[", 1)[0]
    return dict(re.findall(r"(?m)^(\w+)=(.*)$", section))


def test_the_systemd_unit_verifies_and_its_commands_work_as_written(laravel_app, tmp_path):
    unit = (REPO / "docs" / "deploy" / "laravels.service").read_text()
    unit = unit.replace("/var/www/app", str(laravel_app)).replace("=www-data", "=root")
    path = tmp_path / "laravels.service"
    path.write_text(unit)
    verify = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True)
    assert verify.returncode == 0 and "laravels.service" not in verify.stderr, verify.stderr
    service = service_settings(unit)
    assert service["Type"] == "simple" and service["KillMode"] == "mixed"

    # ExecStart as systemd runs it: in WorkingDirectory, the extension from php.ini (here
    # an extra ini directory), the PHP binary of the framework under test.
    ini = tmp_path / "ini"
    ini.mkdir()
    (ini / "laravels.ini").write_text(f"extension={EXTENSION}\n")
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == "/usr/bin/php"
    s = Server(laravel_app)
    env = {**s.env, "PHP_INI_SCAN_DIR": f":{ini}"}
    proc, out = start_foreground([*RUNTIME_EXEC, *(argv if not RUNTIME_EXEC else ["php", *argv[1:]])], Path(service["WorkingDirectory"]), env)
    try:
        main_pid = s.master_pid()
        assert main_pid == proc.pid, "Type=simple: the started process is the master itself"
        before = set(s.worker_pids())
        assert httpx.get(s.url + "/api/hello").status_code == 200

        # systemctl reload: ExecReload with $MAINPID.
        reload = subprocess.run(shlex.split(service["ExecReload"].replace("$MAINPID", str(main_pid))))
        assert reload.returncode == 0
        deadline = time.time() + 20
        while time.time() < deadline and (set(s.worker_pids()) & before or len(s.worker_pids()) < 2):
            time.sleep(0.1)
        assert not set(s.worker_pids()) & before, "every worker was replaced"
        assert httpx.get(s.url + "/api/hello").status_code == 200

        # systemctl stop, KillMode=mixed: KillSignal to the main process alone.
        os.kill(main_pid, getattr(signal, service["KillSignal"]))
        assert proc.wait(int(service["TimeoutStopSec"])) == 0, "".join(out)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
