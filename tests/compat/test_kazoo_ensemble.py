"""kazoo against a 3-member Canopy ensemble: writes through any member,
reads after sync everywhere, and a session that moves when its member dies."""
import signal
import threading

from kazoo.client import KazooClient
from kazoo.protocol.states import KazooState

WAIT_S = 20


def connect(hosts, **kwargs):
    client = KazooClient(hosts=hosts, timeout=kwargs.pop("timeout", 4.0),
                         **kwargs)
    client.start(timeout=WAIT_S)
    return client


def test_writes_through_any_member_are_seen_by_all(ensemble):
    clients = [connect(m.hosts) for m in ensemble.members]
    try:
        for i, client in enumerate(clients):
            client.create(f"/via-{i}", str(i).encode())
        for client in clients:
            client.sync("/")
            for i in range(len(clients)):
                assert client.get(f"/via-{i}")[0] == str(i).encode()
        # Sequential names stay distinct across members.
        clients[0].create("/seq")
        names = {c.create("/seq/n-", sequence=True) for c in clients * 3}
        assert len(names) == 9
    finally:
        for client in clients:
            client.stop()
            client.close()


def test_session_moves_when_its_member_dies(ensemble):
    first = ensemble.members[0]
    client = KazooClient(hosts=ensemble.hosts, timeout=4.0,
                         randomize_hosts=False)
    client.start(timeout=WAIT_S)
    reconnected = threading.Event()

    def listener(state):
        if state == KazooState.CONNECTED and lost.is_set():
            reconnected.set()
        if state == KazooState.SUSPENDED:
            lost.set()

    lost = threading.Event()
    client.add_listener(listener)
    try:
        session = client.client_id[0]
        client.create("/moving", b"", ephemeral=True)
        first.stop(signal.SIGKILL)
        assert reconnected.wait(WAIT_S), "the client did not move"
        assert client.client_id[0] == session
        client.sync("/")
        assert client.exists("/moving").ephemeralOwner == session
        client.set("/moving", b"after the move")
    finally:
        client.stop()
        client.close()


def test_kazoo_lock_across_members(ensemble):
    from kazoo.recipe.lock import Lock
    clients = [connect(m.hosts) for m in ensemble.members]
    clients[0].create("/counter", b"0")
    errors = []

    def work(client):
        try:
            for _ in range(10):
                with Lock(client, "/locks/c"):
                    value = int(client.get("/counter")[0])
                    client.set("/counter", str(value + 1).encode())
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S * 3)
    try:
        assert not errors
        clients[0].sync("/counter")
        assert int(clients[0].get("/counter")[0]) == 30
    finally:
        for client in clients:
            client.stop()
            client.close()
