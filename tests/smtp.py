"""A real SMTP server on loopback, for tests that send through Django's SMTP backend as production does.

``SmtpSink.mode`` decides how it answers: ``accept`` (it speaks enough SMTP and keeps each message),
``refuse`` (nothing listens: connections are refused) or ``hang`` (it accepts the connection and
never says a word, like a server that has stopped answering).
"""

from __future__ import annotations

import socket
import socketserver
import threading
from email import message_from_bytes
from email.message import Message


class SmtpSink:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.mode = "accept"
        self._hung: list[socket.socket] = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                if sink.mode == "hang":
                    sink._hung.append(self.connection)
                    threading.Event().wait(30)
                    return
                self.wfile.write(b"220 sink ESMTP\r\n")
                data: list[bytes] | None = None
                for line in self.rfile:
                    if data is not None:
                        if line in (b".\r\n", b".\n"):
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

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def refuse(self) -> None:
        """Stop listening: from now on a connection to the port is refused."""
        self.mode = "refuse"
        self._server.shutdown()
        self._server.server_close()

    def close(self) -> None:
        if self.mode != "refuse":
            self._server.shutdown()
            self._server.server_close()
        for connection in self._hung:
            connection.close()

    @property
    def recipients(self) -> list[str]:
        return [m["To"] for m in self.messages]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
