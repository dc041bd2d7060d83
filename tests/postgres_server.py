"""A throwaway PostgreSQL server on 127.0.0.1 for the distributed-sweep test.

The server binaries come from the ``pgserver`` wheel (installed by the project's dev extra), so no
system package is needed. pgserver runs initdb (as a dedicated system user when we are root, since
postgres refuses root); we then start the server listening on a free loopback TCP port, as workers
on other machines would reach it.
"""
import contextlib
import socket


@contextlib.contextmanager
def postgres_on_loopback(folder):
    import pgserver
    from pgserver import _commands
    pgdata = folder / "pgdata"
    folder.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)  # initdb; started on a Unix socket only
    user = server.system_user
    _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _commands.pg_ctl(["-w", "-o", "-h 127.0.0.1", "-o", f"-p {port}", "-o", f"-k {pgdata}",
                      "-l", str(pgdata / "log"), "start"], pgdata=pgdata, user=user, timeout=60)
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        _commands.pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=pgdata, user=user)
