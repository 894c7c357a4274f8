"""Fixtures for the end-to-end suite; the machinery is in turbo_server.py."""

import pytest

from turbo_server import BASIC_APP, TurboServer


@pytest.fixture
def make_server(tmp_path):
    """Factory for function-scoped servers; all are stopped (and checked) at teardown."""
    servers: list[TurboServer] = []

    def make(app: str = BASIC_APP, start: bool = True, **kw) -> TurboServer:
        srv = TurboServer(app, tmp_path / f"server{len(servers)}", **kw)
        servers.append(srv)
        return srv.start() if start else srv

    yield make
    errors = []
    for srv in servers:
        try:
            srv.stop()
        except AssertionError as e:
            errors.append(str(e))
    assert not errors, "; ".join(errors)


def _module_server(tmp_path_factory, name: str, **kw):
    srv = TurboServer(BASIC_APP, tmp_path_factory.mktemp(name), **kw).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def basic_server(tmp_path_factory):
    """basic_app with 2 workers, shared by one test module."""
    yield from _module_server(tmp_path_factory, "basic", workers=2)
