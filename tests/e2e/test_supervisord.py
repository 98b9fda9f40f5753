"""Deployment under Supervisord exactly as the README's program block: foreground
`bin/laravels start -i`, run as www-data, restarted when it dies."""
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from harness import EXTENSION, RUNTIME_EXEC, free_port

SUPERVISORD = shutil.which("supervisord")


def wait_for(check, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if check():
                return True
        except (httpx.HTTPError, OSError, ValueError):
            pass
        time.sleep(0.1)
    return False


@pytest.mark.skipif(SUPERVISORD is None, reason="supervisor is installed by scripts/install-deps.sh")
def test_supervisord_runs_stops_and_restarts_the_server(laravel_app, tmp_path):
    # A deploy directory www-data can reach (pytest's own temp dirs are root-only).
    deploy = Path(tempfile.mkdtemp(prefix="laravels-deploy-"))
    deploy.chmod(0o755)
    shutil.copytree(laravel_app, deploy / "app", symlinks=True)
    laravel_app = deploy / "app"
    subprocess.run(["chown", "-R", "www-data:www-data", str(laravel_app)], check=True)
    port = free_port()
    start = f"-d extension={EXTENSION} bin/laravels start -i"
    if RUNTIME_EXEC:
        # The PHP under test lives in a Debian root, which only root can enter: the program
        # enters it as root and becomes www-data inside, in the same process (setpriv execs).
        drop = ["setpriv", "--reuid=www-data", "--regid=www-data", "--init-groups"]
        program = f"command={shlex.join([*RUNTIME_EXEC, *drop, 'php'])} {start}"
    else:
        program = f"command=/usr/bin/php {start}\nuser=www-data"
    conf = tmp_path / "supervisord.conf"
    conf.write_text(f"""
[supervisord]
nodaemon=true
logfile={tmp_path}/supervisord.log
pidfile={tmp_path}/supervisord.pid

[unix_http_server]
file={tmp_path}/supervisor.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{tmp_path}/supervisor.sock

[program:laravel-s-test]
directory={laravel_app}
{program}
numprocs=1
autostart=true
autorestart=true
startretries=3
redirect_stderr=true
stdout_logfile={tmp_path}/%(program_name)s.log
environment=LARAVELS_LISTEN_PORT="{port}",LARAVELS_WORKER_NUM="2"
""")
    sup = subprocess.Popen([SUPERVISORD, "-c", str(conf)])
    ctl = ["supervisorctl", "-c", str(conf)]
    url = f"http://127.0.0.1:{port}/api/hello"
    pid_file = laravel_app / "storage" / "laravels.pid"
    try:
        assert wait_for(lambda: httpx.get(url).status_code == 200), (tmp_path / "laravel-s-test.log").read_text()
        first = int(pid_file.read_text())
        assert open(f"/proc/{first}/status").read().count("Uid:\t33\t") == 1, "runs as www-data"

        # A crash of the master: supervisord starts it again, -i gets past the stale pid file.
        os.kill(first, signal.SIGKILL)
        assert wait_for(lambda: pid_file.exists() and int(pid_file.read_text()) != first and httpx.get(url).status_code == 200, 30)

        # supervisorctl stop sends SIGTERM: a graceful stop, pid file removed.
        stopped = subprocess.run(ctl + ["stop", "laravel-s-test"], capture_output=True, text=True, timeout=30)
        assert "stopped" in stopped.stdout
        assert not pid_file.exists()
        log = (tmp_path / "laravel-s-test.log").read_text()
        assert "received SIGTERM, stopping" in log and "[master] stopped" in log
    finally:
        subprocess.run(ctl + ["shutdown"], capture_output=True, timeout=30)
        try:
            sup.wait(15)
        except subprocess.TimeoutExpired:
            sup.kill()
        shutil.rmtree(deploy, ignore_errors=True)
