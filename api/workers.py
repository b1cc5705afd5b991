"""`kjede serve --workers N`: uvicorn's supervisor, each worker on a socket of its own.

uvicorn binds one listening socket and hands it to every worker. Each worker's
event loop accepts from it, and asyncio accepts every pending connection at
once (up to the backlog) when its loop wakes, so a burst of new keep-alive
connections lands on whichever worker woke first and stays there: of 50
connections from a load generator, two workers held 42/8, 18/32, 50/0 and 25/25
in four tries, and the busy worker's clients waited while the other idled.

Here every worker listens on its own socket, all bound to the same address with
`SO_REUSEPORT`, and the kernel spreads new connections over the listening
sockets by a hash of their addresses. A worker that dies is replaced on the same
socket; while it restarts, the connections hashed to it wait in that socket's
queue, as they would in the shared one. uvicorn's supervision (health checks,
SIGTERM/SIGINT, SIGHUP restarts, SIGTTIN/SIGTTOU scaling) is kept; only where a
worker's socket comes from differs.
"""

from __future__ import annotations

import logging
import socket
from contextlib import suppress

from uvicorn import Config
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess, Process

logger = logging.getLogger("uvicorn.error")

SHARES_A_PORT = hasattr(socket, "SO_REUSEPORT")
"""Whether the platform lets several sockets listen on one address (Linux, the BSDs)."""


def _tcp_socket(host: str) -> socket.socket:
    """A TCP socket for `host` (an IPv6 address when it holds a colon)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.socket(family, socket.SOCK_STREAM)


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A socket bound to `host:port` that other such sockets may share."""
    sock = _tcp_socket(host)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def unused_port(host: str, port: int) -> int:
    """`port` (or, for 0, one the kernel picks), after checking that nothing listens on
    it: sockets that share a port would otherwise join another server's group
    (of the same user) instead of failing with "address already in use"."""
    with _tcp_socket(host) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))  # OSError (EADDRINUSE) when the address is taken
        return int(probe.getsockname()[1])


class SocketPerWorker(Multiprocess):
    """uvicorn's `Multiprocess` where worker `i` listens on `self.sockets[i]` alone."""

    def __init__(self, config: Config) -> None:
        config.port = port = unused_port(config.host, config.port)
        sockets = [reuse_port_socket(config.host, port) for _ in range(config.workers)]
        super().__init__(config, sockets)
        logger.info("Listening on %s:%d with a socket per worker (SO_REUSEPORT)", config.host, port)

    def _started(self, slot: int) -> Process:
        process = Process(self.config, [self.sockets[slot]])
        process.start()
        return process

    def init_processes(self) -> None:
        self.processes = [self._started(slot) for slot in range(self.processes_num)]

    def keep_subprocess_alive(self) -> None:
        for slot, process in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # hung or dead
            process.join()
            if self._failed_to_start(process):
                return
            logger.info("Child process [%s] died", process.pid)
            self.processes[slot] = self._started(slot)

    def _failed_to_start(self, process: Process) -> bool:
        """A worker that failed before serving would fail again: stop, as uvicorn does."""
        if process.exitcode != STARTUP_FAILURE:
            return False
        logger.error("Child process [%s] failed to start; stopping.", process.pid)
        self.should_exit.set()
        return True

    def restart_all(self) -> None:
        """Each worker's replacement serves before the old one retires (SIGHUP)."""
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._started(slot)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                logger.error("Child process [%s] was not ready in time; restart aborted.", new.pid)
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def handle_ttin(self) -> None:
        logger.info("Received SIGTTIN, increasing the number of processes.")
        self.sockets.append(reuse_port_socket(self.config.host, self.config.port))
        self.processes_num += 1
        self.processes.append(self._started(len(self.processes)))

    def handle_ttou(self) -> None:
        logger.info("Received SIGTTOU, decreasing the number of processes.")
        if self.processes_num <= 1:
            logger.info("Already one process, cannot decrease the number of processes.")
            return
        self.processes_num -= 1
        process = self.processes.pop()
        process.terminate()
        process.join()
        self.sockets.pop().close()  # no worker listens on it any more


def supervise(config: Config) -> None:
    """Run `config.workers` workers until SIGTERM/SIGINT: a socket per worker where
    the platform allows, else uvicorn's one shared socket."""
    supervisor: Multiprocess
    if SHARES_A_PORT:
        supervisor = SocketPerWorker(config)
    else:
        supervisor = Multiprocess(config, [config.bind_socket()])
    with suppress(KeyboardInterrupt):
        supervisor.run()
