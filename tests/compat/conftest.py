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
                    f"clientPortAddress=127.0.0.1\nadmin.serverPort=0\n{extra}")
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


def _free_ports(n):
    import socket
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def four_letter(port, word):
    """The whole answer to a four-letter word."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(word.encode())
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks).decode()


class Ensemble:
    """Three canopy-server members on loopback, each its own process."""

    def __init__(self, n=3, tick_ms=100):
        ports = _free_ports(2 * n)
        self.members = []
        lines = "".join(
            f"server.{i + 1}=127.0.0.1:{ports[2 * i + 1]}:{ports[2 * i + 1]}\n"
            for i in range(n))
        for i in range(n):
            extra = "initLimit=20\nsyncLimit=5\n" + lines
            member = Server(tick_ms=tick_ms, extra=extra)
            with open(os.path.join(member.dir, "myid"), "w") as f:
                f.write(f"{i + 1}\n")
            member.fixed_port = ports[2 * i]
            self.members.append(member)

    def start(self):
        for member in self.members:
            member.start(member.fixed_port)
        for member in self.members:
            self.wait_serving(member)
        return self

    @staticmethod
    def wait_serving(member, timeout_s=30):
        # Each probe is a round trip to the member: the loop is paced by its
        # answers and bounded by the deadline.
        import time
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                answer = four_letter(member.port, "srvr")
            except OSError:
                continue
            if "Mode: leader" in answer or "Mode: follower" in answer:
                return
        raise RuntimeError("member did not start serving")

    @property
    def hosts(self):
        return ",".join(m.hosts for m in self.members)

    def cleanup(self):
        for member in self.members:
            member.cleanup()


@pytest.fixture
def ensemble():
    if not SERVER_BIN:
        pytest.fail("CANOPY_SERVER must name the canopy-server binary")
    e = Ensemble().start()
    yield e
    e.cleanup()
