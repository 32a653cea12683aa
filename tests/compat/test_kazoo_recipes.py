"""kazoo's own recipes against Canopy, with several clients."""
import threading

from kazoo.recipe.barrier import Barrier, DoubleBarrier
from kazoo.recipe.counter import Counter
from kazoo.recipe.election import Election
from kazoo.recipe.lock import Lock, Semaphore
from kazoo.recipe.party import Party
from kazoo.recipe.queue import LockingQueue, Queue

WAIT_S = 20


def test_lock_serialises_increments(make_client):
    clients = [make_client() for _ in range(4)]
    clients[0].create("/counter", b"0")
    errors = []

    def work(client):
        try:
            for _ in range(25):
                with Lock(client, "/locks/c"):
                    value = int(client.get("/counter")[0])
                    client.set("/counter", str(value + 1).encode())
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S * 3)
    assert not errors
    assert int(clients[0].get("/counter")[0]) == 100


def test_semaphore_bounds_holders(make_client):
    clients = [make_client() for _ in range(3)]
    sems = [Semaphore(c, "/sem", max_leases=2) for c in clients]
    assert sems[0].acquire(timeout=WAIT_S)
    assert sems[1].acquire(timeout=WAIT_S)
    assert not sems[2].acquire(blocking=False)
    sems[0].release()
    assert sems[2].acquire(timeout=WAIT_S)
    sems[1].release()
    sems[2].release()


def test_election_has_one_leader(make_client):
    clients = [make_client() for _ in range(3)]
    leaders = []
    lock = threading.Lock()
    stop = threading.Event()

    def lead(name):
        with lock:
            leaders.append(name)
        stop.wait(WAIT_S)

    elections = [Election(c, "/election", f"c{i}")
                 for i, c in enumerate(clients)]
    threads = [threading.Thread(target=e.run, args=(lead, f"c{i}"))
               for i, e in enumerate(elections)]
    for t in threads:
        t.start()
    # Bounded by a deadline (not a count of tries): on a loaded machine the
    # three elections take a while to register.
    import time
    deadline = time.monotonic() + WAIT_S
    contenders = elections[0].contenders()
    while time.monotonic() < deadline:
        contenders = elections[0].contenders()
        if len(contenders) == 3 and leaders:
            break
        clients[0].sync("/election")
    assert len(leaders) == 1
    assert len(contenders) == 3
    stop.set()
    for e in elections:
        e.cancel()
    for t in threads:
        t.join(WAIT_S)


def test_barrier(make_client):
    a, b = make_client(), make_client()
    barrier = Barrier(a, "/barrier")
    barrier.create()
    passed = threading.Event()
    t = threading.Thread(
        target=lambda: passed.set() if Barrier(b, "/barrier").wait(WAIT_S)
        else None)
    t.start()
    assert not passed.is_set()
    barrier.remove()
    t.join(WAIT_S)
    assert passed.is_set()


def test_double_barrier(make_client):
    clients = [make_client() for _ in range(3)]
    entered = []
    lock = threading.Lock()

    def participant(client):
        db = DoubleBarrier(client, "/double", 3)
        db.enter()
        with lock:
            entered.append(client)
        db.leave()

    threads = [threading.Thread(target=participant, args=(c,))
               for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S)
    assert len(entered) == 3


def test_party(make_client):
    a, b = make_client(), make_client()
    pa, pb = Party(a, "/party", "a"), Party(b, "/party", "b")
    pa.join()
    pb.join()
    assert sorted(Party(a, "/party")) == ["a", "b"]
    pb.leave()
    assert list(Party(a, "/party")) == ["a"]


def test_queue_fifo(make_client):
    producer, consumer = make_client(), make_client()
    q = Queue(producer, "/queue")
    for i in range(5):
        q.put(str(i).encode())
    got = [Queue(consumer, "/queue").get() for _ in range(5)]
    assert got == [b"0", b"1", b"2", b"3", b"4"]


def test_locking_queue(make_client):
    a, b = make_client(), make_client()
    LockingQueue(a, "/lq").put(b"job")
    q = LockingQueue(b, "/lq")
    assert q.get(timeout=WAIT_S) == b"job"
    assert q.consume()
    assert len(q) == 0


def test_counter(make_client):
    clients = [make_client() for _ in range(3)]

    def bump(client):
        counter = Counter(client, "/cnt")
        for _ in range(10):
            counter += 1

    threads = [threading.Thread(target=bump, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S)
    assert Counter(clients[0], "/cnt").value == 30
