"""Fixtures for the compatibility suite: real canopy-server processes on free
loopback ports, driven by real ZooKeeper clients."""
import os
import re
import shutil
import signal
import subprocess
import tempfile

import pytest

SERVER_BIN = os.environ.get("CANOPY_SERVER", "")


class Server:
    """A canopy-server child process with its own data directory."""

    def __init__(self, tick_ms=100, extra=""):
        self.dir = tempfile.mkdtemp(prefix="canopy-compat-")
        self.config = os.path.join(self.dir, "zoo.cfg")
        with open(self.config, "w") as f:
            f.write(f"tickTime={tick_ms}\ndataDir={self.dir}\n"
                    f"clientPortAddress=127.0.0.1\n{extra}")
        self.proc = None
        self.port = 0

    def start(self, port=0):
        log = open(os.path.join(self.dir, "server.log"), "a")
        self.proc = subprocess.Popen(
            [SERVER_BIN, "--config", self.config, "--port", str(port)],
            stdout=subprocess.PIPE, stderr=log, text=True)
        line = self.proc.stdout.readline()  # blocks until listening or exit
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if not m:
            raise RuntimeError(f"server did not start: {line!r}")
        self.port = int(m.group(1))
        return self

    @property
    def hosts(self):
        return f"127.0.0.1:{self.port}"

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)
        self.proc = None

    def cleanup(self):
        self.stop(signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def server():
    if not SERVER_BIN:
        pytest.fail("CANOPY_SERVER must name the canopy-server binary")
    s = Server().start()
    yield s
    s.cleanup()


@pytest.fixture
def zk(server):
    from kazoo.client import KazooClient
    client = KazooClient(hosts=server.hosts, timeout=5.0)
    client.start(timeout=10)
    yield client
    client.stop()
    client.close()


@pytest.fixture
def make_client(server):
    """Builds extra started kazoo clients, stopped at teardown."""
    from kazoo.client import KazooClient
    made = []

    def make(**kwargs):
        kwargs.setdefault("timeout", 5.0)
        client = KazooClient(hosts=server.hosts, **kwargs)
        client.start(timeout=10)
        made.append(client)
        return client

    yield make
    for client in made:
        client.stop()
        client.close()
