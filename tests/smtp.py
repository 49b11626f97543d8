"""A real SMTP server on loopback, for tests that send through Django's SMTP backend as production does.

``SmtpSink.mode`` decides how it answers: ``accept`` (it speaks enough SMTP and keeps each message),
``refuse`` (nothing listens: connections are refused) or ``hang`` (it accepts the connection and
never says a word, like a server that has stopped answering). ``refuse()``, ``hang()`` and ``accept()``
switch between them; ``accept()`` listens again on the same port, so a client configured with it
finds the server back. ``bench/load.py`` uses it too.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from email import message_from_bytes
from email.message import Message


class SmtpSink:
    def __init__(self, *, hang_seconds: float = 30.0) -> None:
        self.messages: list[Message] = []
        self.arrived: list[float] = []  # time.monotonic() of each message, beside it
        self.mode = "accept"
        self.hang_seconds = hang_seconds
        self.port = 0
        self._release = threading.Event()  # set: hung connections close
        self._server: socketserver.ThreadingTCPServer | None = None
        self._listen()

    def _listen(self) -> None:
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                if sink.mode == "hang":
                    sink._release.wait(sink.hang_seconds)
                    return
                self.wfile.write(b"220 sink ESMTP\r\n")
                data: list[bytes] | None = None
                for line in self.rfile:
                    if data is not None:
                        if line in (b".\r\n", b".\n"):
                            sink.arrived.append(time.monotonic())
                            sink.messages.append(message_from_bytes(b"".join(data)))
                            data = None
                            self.wfile.write(b"250 queued\r\n")
                        else:
                            data.append(line[1:] if line.startswith(b"..") else line)
                        continue
                    verb = line[:4].upper()
                    if verb == b"DATA":
                        data = []
                        self.wfile.write(b"354 go ahead\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 ok\r\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _release_hung(self) -> None:
        self._release.set()
        self._release = threading.Event()

    def refuse(self) -> None:
        """Stop listening: from now on a connection to the port is refused."""
        self._release_hung()
        self.mode = "refuse"
        self._stop_listening()

    def hang(self) -> None:
        """Accept connections and never answer (for ``hang_seconds``, or until the mode changes)."""
        if self._server is None:
            self._listen()
        self.mode = "hang"

    def accept(self) -> None:
        """Answer again, on the same port; connections left hanging are closed."""
        self._release_hung()
        if self._server is None:
            self._listen()
        self.mode = "accept"

    def close(self) -> None:
        self._release.set()
        self._stop_listening()

    @property
    def recipients(self) -> list[str]:
        return [m["To"] for m in self.messages]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
