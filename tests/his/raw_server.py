"""A scriptable HTTP/1.1 server on 127.0.0.1 for adapter tests that need exact bytes on the wire:
lower-case header names, a body dripped a byte at a time, TLS with a chosen certificate.

Each request is answered by ``reply(method, path, headers, body)``, which returns a
:class:`Canned`; the server writes the status line and headers exactly as given.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Canned:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    drip_s: float = 0.0  # pause before each byte (headers and body), to drip the answer
    drip_headers: bool = False


def fhir_json(data: Any, status: int = 200, extra: list[tuple[str, str]] | None = None) -> Canned:
    """A JSON answer with lower-case header names, as uvicorn/h11 and HTTP/2 front ends send."""
    body = json.dumps(data).encode()
    return Canned(status, [("content-type", "application/fhir+json; charset=utf-8"), *(extra or [])], body)


Handler = Callable[[str, str, dict[str, str], bytes], Canned]


class RawServer:
    def __init__(self, reply: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.reply = reply
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self._tls = tls
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}/fhir"

    def __enter__(self) -> RawServer:
        self._accept.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._accept.join(5)
        for thread in self._threads:
            thread.join(5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._connection, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _connection(self, raw: socket.socket) -> None:
        conn: socket.socket = raw
        raw.settimeout(10)
        if self._tls is not None:
            try:
                conn = self._tls.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError):
                raw.close()
                return  # the client refused our certificate: the point of the TLS tests
        with contextlib.closing(conn), conn.makefile("rb") as reader:
            while not self._stop.is_set():
                try:
                    request = self._read_request(reader)
                except (OSError, ValueError):
                    return
                if request is None:
                    return
                self.requests.append(request)
                canned = self.reply(*request)
                try:
                    self._write(conn, canned)
                except OSError:
                    return

    @staticmethod
    def _read_request(reader: Any) -> tuple[str, str, dict[str, str], bytes] | None:
        line = reader.readline()
        if not line:
            return None
        method, path, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            header = reader.readline().decode("latin-1")
            if header in ("\r\n", "\n", ""):
                break
            name, _, value = header.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = reader.read(int(headers.get("content-length", "0") or 0))
        return method, path, headers, body

    def _write(self, conn: socket.socket, canned: Canned) -> None:
        head = f"HTTP/1.1 {canned.status} X\r\n"
        names = {name.lower() for name, _ in canned.headers}
        headers = list(canned.headers)
        if "content-length" not in names:
            headers.append(("content-length", str(len(canned.body))))
        head += "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
        if canned.drip_s and canned.drip_headers:
            self._drip(conn, head.encode("latin-1") + canned.body, canned.drip_s)
            return
        conn.sendall(head.encode("latin-1"))
        if canned.drip_s:
            self._drip(conn, canned.body, canned.drip_s)
        else:
            conn.sendall(canned.body)

    def _drip(self, conn: socket.socket, data: bytes, pause: float) -> None:
        for index in range(len(data)):
            if self._stop.is_set():
                return
            time.sleep(pause)
            conn.sendall(data[index : index + 1])


@contextlib.contextmanager
def serving(reply: Handler, tls: ssl.SSLContext | None = None) -> Iterator[RawServer]:
    with RawServer(reply, tls) as server:
        yield server
