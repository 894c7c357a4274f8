"""The master's two ways of doing socket I/O give the same answers.

By default the master batches the receives and the sends of each loop turn through io_uring (one
system call for many connections); `--no-io-uring`, or a kernel that refuses io_uring, makes it use
one recv()/send() per operation. Each test here runs against both, over raw sockets: many
connections at once, pipelined requests mixing small responses with ones too large to wait for a
batch, slow readers (sends that stop half-way on a full socket), and clients that hang up.

Two more modes refuse io_uring with a seccomp filter, as Docker's default profile does (EPERM):
at start-up (`io_uring_setup`), and only once serving (`io_uring_enter`, so the first batch fails
with requests in it). Both must serve everything with plain calls and say so in the log.
"""

import os
import re
import socket
import threading
import time

import pytest

from turbo_server import FRONT_APP, TurboServer, assert_serves, refuse_syscalls, seccomp_available

# mode: (extra arguments, system calls a seccomp filter refuses)
MODES = {
    "io_uring": ([], ()),
    "plain": (["--no-io-uring"], ()),
    "refused-at-start": ([], ("io_uring_setup",)),
    "refused-when-serving": ([], ("io_uring_enter",)),
}


@pytest.fixture(scope="module", params=list(MODES))
def server(request, tmp_path_factory):
    args, refused = MODES[request.param]
    if request.param != "plain" and "--no-io-uring" in os.environ.get("TURBO_E2E_ARGS", ""):
        pytest.skip("TURBO_E2E_ARGS turns io_uring off for the whole run")
    if refused and not seccomp_available():
        pytest.skip("the seccomp filter is written for x86_64")
    srv = TurboServer(FRONT_APP, tmp_path_factory.mktemp(f"socket-io-{request.param}"), workers=2,
                      extra_args=args, preexec_fn=refuse_syscalls(*refused) if refused else None).start()
    srv.mode = request.param
    yield srv
    srv.stop()


def get(path: str) -> bytes:
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n"


def test_the_log_says_how_sockets_are_read_and_written(server):
    assert_serves(server, "/")  # a first batch, for the mode that refuses io_uring only then
    text = server.stderr_path.read_text()
    if server.mode == "plain":
        assert "Socket I/O: recv/send (--no-io-uring)" in text, text
    elif server.mode == "refused-at-start":
        assert ("Socket I/O: recv/send, one system call each: io_uring is unavailable "
                "(io_uring_setup: Operation not permitted)") in text, text
    elif server.mode == "refused-when-serving":
        assert "Socket I/O: io_uring (" in text, text
        assert "io_uring failed (Operation not permitted); the master goes on with plain recv/send" in text, text
        assert text.count("io_uring failed") == 1, text  # once: the ring is dropped, not retried
    else:
        # io_uring where the kernel allows it; otherwise a warning that names the reason.
        m = re.search(r"Socket I/O: (io_uring \(|recv/send, one system call each: io_uring is unavailable \(.+\))",
                      text)
        assert m, text


def _client(server, n: int, results: list, index: int) -> None:
    """One connection: pipelines a mix of small JSON answers and 100 KB bodies (larger than a
    batched send takes), then reads every answer in order."""
    plan = []
    for i in range(n):
        plan.append(("bytes", 100_000 + index) if i % 4 == 3 else ("seq", index * 1000 + i))
    data = b"".join(get(f"/bytes?n={v}") if kind == "bytes" else get(f"/seq/{v}") for kind, v in plan)
    try:
        with server.connect(timeout=30) as c:
            c.send(data)
            for kind, v in plan:
                r = c.read_response()
                assert r.status == 200, r
                if kind == "bytes":
                    assert r.body == b"x" * v, f"connection {index}: body of {len(r.body)} bytes, wanted {v}"
                else:
                    assert r.json()["i"] == v, f"connection {index}: got {r.json()}, wanted i={v}"
        results[index] = "ok"
    except Exception as e:  # reported by the main thread
        results[index] = repr(e)


def _run_clients(server, clients: int, requests_each: int) -> None:
    """`clients` connections at once, each running _client; every one must end "ok"."""
    results = [None] * clients
    threads = [threading.Thread(target=_client, args=(server, requests_each, results, i)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == ["ok"] * clients, [r for r in results if r != "ok"][:3]


def test_many_connections_pipelining_small_and_large_answers_in_order(server):
    _run_clients(server, 48, 12)
    assert_serves(server, "/")


def test_a_slow_reader_gets_every_byte_of_answers_that_fill_its_socket(server):
    """A 4 KB receive buffer and a client that reads late: sends stop half-way (EAGAIN) and resume
    on EPOLLOUT, in both modes, without losing or reordering a byte."""
    sizes = [3000, 60_000, 500, 200_000, 10, 40_000]
    with server.connect(timeout=30, rcvbuf=4096) as c:
        c.send(b"".join(get(f"/bytes?n={n}") for n in sizes))
        time.sleep(0.5)  # the server fills the socket and stalls
        got = [c.read_response() for _ in sizes]
    assert [r.status for r in got] == [200] * len(sizes)
    assert [len(r.body) for r in got] == sizes
    assert all(r.body == b"x" * n for r, n in zip(got, sizes))
    assert_serves(server, "/")


def test_clients_that_hang_up_mid_answer_do_not_disturb_the_others(server):
    """Connections that send pipelined requests for large answers and close at once: their sends
    fail (EPIPE/ECONNRESET) inside a batch next to healthy ones, which still get their answers."""
    for _ in range(20):
        s = socket.create_connection(server.address)
        s.sendall(get("/bytes?n=50000") * 3 + get("/seq/1"))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()  # RST
    _run_clients(server, 8, 8)
    assert server.proc.poll() is None, "the master exited"
