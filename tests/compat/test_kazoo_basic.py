"""kazoo against Canopy: znode operations, errors, Stat, sequential names,
ephemerals, watches, multi, sync and ACLs."""
import os
import subprocess
import sys
import threading

import pytest
from kazoo.exceptions import (BadArgumentsError, BadVersionError,
                              NoAuthError, NodeExistsError, NoNodeError,
                              NotEmptyError, RolledBackError,
                              RuntimeInconsistency)
from kazoo.protocol.states import EventType
from kazoo.security import make_digest_acl, make_digest_acl_credential

WAIT_S = 10


def test_crud_round_trip(zk):
    assert zk.create("/a", b"hello") == "/a"
    data, stat = zk.get("/a")
    assert data == b"hello" and stat.version == 0
    stat = zk.set("/a", b"world", version=0)
    assert stat.version == 1
    assert zk.get("/a")[0] == b"world"
    zk.create("/a/b", b"")
    assert zk.get_children("/a") == ["b"]
    zk.delete("/a/b")
    zk.delete("/a", version=1)
    assert zk.exists("/a") is None


def test_errors_carry_zookeeper_codes(zk):
    with pytest.raises(NoNodeError):
        zk.get("/missing")
    with pytest.raises(NoNodeError):
        zk.create("/missing/child", b"")
    zk.create("/e", b"")
    with pytest.raises(NodeExistsError):
        zk.create("/e", b"")
    with pytest.raises(BadVersionError):
        zk.set("/e", b"x", version=5)
    zk.create("/e/c", b"")
    with pytest.raises(NotEmptyError):
        zk.delete("/e")
    with pytest.raises(BadArgumentsError):
        zk.delete("/zookeeper")


def test_every_stat_field_moves_as_in_zookeeper(zk):
    zk.create("/s", b"abc")
    _, st = zk.get("/s")
    assert st.czxid == st.mzxid == st.pzxid and st.czxid > 0
    assert st.ctime == st.mtime and st.ctime > 0
    assert (st.version, st.cversion, st.aversion) == (0, 0, 0)
    assert st.ephemeralOwner == 0
    assert st.dataLength == 3 and st.numChildren == 0
    zk.set("/s", b"abcdef")
    _, st2 = zk.get("/s")
    assert st2.version == 1 and st2.mzxid > st.mzxid
    assert st2.czxid == st.czxid and st2.dataLength == 6
    assert st2.pzxid == st.pzxid
    zk.create("/s/c", b"")
    _, st3 = zk.get("/s")
    assert st3.cversion == 1 and st3.numChildren == 1
    assert st3.pzxid > st2.mzxid and st3.mzxid == st2.mzxid
    zk.set_acls("/s", zk.get_acls("/s")[0])
    assert zk.exists("/s").aversion == 1
    zk.delete("/s/c")
    st4 = zk.exists("/s")
    assert st4.numChildren == 0 and st4.cversion == 2


def test_sequential_names_are_ten_digit_counters(zk):
    zk.create("/q", b"")
    names = [zk.create("/q/n-", b"", sequence=True) for _ in range(3)]
    assert names == ["/q/n-0000000000", "/q/n-0000000001",
                     "/q/n-0000000002"]


def test_ephemeral_goes_when_the_session_closes(zk, make_client):
    other = make_client()
    path = other.create("/eph", b"", ephemeral=True)
    assert zk.exists(path).ephemeralOwner == other.client_id[0]
    gone = threading.Event()
    zk.exists(path, watch=lambda e: gone.set())
    other.stop()
    assert gone.wait(WAIT_S)
    assert zk.exists(path) is None


def test_ephemeral_goes_when_the_session_expires(zk, server):
    # A separate process holds the ephemeral and is killed without a
    # goodbye: only expiry can remove the node.
    script = (
        "import sys, time\n"
        "from kazoo.client import KazooClient\n"
        f"c = KazooClient(hosts='{server.hosts}', timeout=1.0)\n"
        "c.start(timeout=10)\n"
        "c.create('/expiring', b'', ephemeral=True)\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n")
    holder = subprocess.Popen([sys.executable, "-c", script],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        gone = threading.Event()
        assert zk.exists("/expiring", watch=lambda e: gone.set())
        holder.kill()
        assert gone.wait(WAIT_S)
        assert zk.exists("/expiring") is None
    finally:
        holder.kill()
        holder.wait()


def test_data_watch_fires_once(zk, make_client):
    writer = make_client()
    zk.create("/w", b"0")
    events = []
    fired = threading.Event()

    def watcher(event):
        events.append(event)
        fired.set()

    zk.get("/w", watch=watcher)
    writer.set("/w", b"1")
    writer.set("/w", b"2")
    assert fired.wait(WAIT_S)
    zk.sync("/w")
    assert zk.get("/w")[0] == b"2"
    assert len(events) == 1
    assert events[0].type == EventType.CHANGED and events[0].path == "/w"


def test_child_and_exists_watches(zk, make_client):
    writer = make_client()
    zk.create("/p", b"")
    child = threading.Event()
    created = threading.Event()
    zk.get_children("/p", watch=lambda e: child.set())
    zk.exists("/p/new", watch=lambda e: created.set())
    writer.create("/p/new", b"")
    assert child.wait(WAIT_S) and created.wait(WAIT_S)


def test_multi_commits_all_or_nothing(zk):
    zk.create("/m", b"")
    t = zk.transaction()
    t.create("/m/a", b"1")
    t.set_data("/m", b"x")
    t.check("/m", 1)
    results = t.commit()
    assert results[0] == "/m/a"
    assert zk.get("/m")[0] == b"x"

    t = zk.transaction()
    t.create("/m/b", b"")
    t.delete("/m/missing")
    t.create("/m/c", b"")
    results = t.commit()
    assert isinstance(results[0], RolledBackError)
    assert isinstance(results[1], NoNodeError)
    assert isinstance(results[2], RuntimeInconsistency)
    assert zk.exists("/m/b") is None and zk.exists("/m/c") is None


def test_sync_then_read_sees_other_clients_writes(zk, make_client):
    writer = make_client()
    writer.create("/synced", b"v")
    zk.sync("/synced")
    assert zk.get("/synced")[0] == b"v"


def test_digest_acl_and_auth(zk, make_client):
    acl = make_digest_acl("alice", "secret", all=True)
    zk.add_auth("digest", "alice:secret")
    zk.create("/private", b"s", acl=[acl])
    assert zk.get("/private")[0] == b"s"
    stranger = make_client()
    with pytest.raises(NoAuthError):
        stranger.get("/private")
    stranger.add_auth("digest", "alice:secret")
    assert stranger.get("/private")[0] == b"s"
    acls, _ = zk.get_acls("/private")
    assert acls[0].id.id == make_digest_acl_credential("alice", "secret")


def test_large_value_limit(zk):
    zk.create("/big", b"x" * (1024 * 1024))
    with pytest.raises(Exception):
        zk.create("/toobig", b"x" * (1024 * 1024 + 1))
