"""A local stand-in for the OpenAI and Anthropic HTTP APIs that replays recorded exchanges.

Why this exists: instrumentation has to be tested against the *real* ``openai`` and ``anthropic`` SDKs,
including their own HTTP stack (connection pooling, retries, timeouts, SSE parsing), not against a mocked
transport that skips all of that.  The stand-in is a plain loopback HTTP/1.1 server, so the SDKs run unmodified
and only their ``base_url`` points here.  It needs nothing beyond the standard library so it can ship inside the
package and be used by demos and by users' own tests.

Recorded cases are directories laid out as ``<cases_dir>/<provider>/<case>/`` holding ``request.json``,
``response.json`` and, for streamed responses, ``response.sse`` (see ``recordings/README.md`` next to this module).

Routing
-------
``/case/<case>[/<modifier>...]/<api path>`` serves ``<case>`` regardless of the request body.  Modifiers let a
test provoke failures deterministically, without timing tricks:

``fail-<n>-<status>``
    the first *n* requests arriving with this exact prefix get HTTP ``<status>`` with a provider-shaped error
    body and ``x-should-retry: true`` (exercises the SDKs' retry loop); later ones are served normally.
``cut-<k>``
    send only the first *k* SSE events (or *k* body bytes for a non-streamed case), then drop the connection
    mid-body, so the client sees a broken stream.
``hang``
    read the request and never answer (until the server stops, the client goes away, or 30 s pass), for
    client-timeout tests.

Without a ``/case/`` prefix the request is matched by method, path and JSON body against every case's
``request.json``; nothing matching gives a 404.

Example::

    with StandIn() as standin:  # the recordings shipped with the package
        client = openai.OpenAI(api_key="test-key", base_url=standin.base_url("chat_completion_basic"))
        client.chat.completions.create(model="gpt-4o-mini", messages=[...])
        assert standin.requests[0].headers["x-stainless-retry-count"] == "0"
"""

from __future__ import annotations

import json
import os
import re
import select
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import TCPServer
from typing import Any, Union
from urllib.parse import quote, unquote

__all__ = ["RECORDINGS", "RecordedRequest", "StandIn", "StandInCase", "default_cases_dir"]

PathLike = Union[str, "os.PathLike[str]"]

#: How long a ``hang`` request is held at most.  Bounded so a forgotten client cannot pin a thread forever.
HANG_LIMIT_SECONDS = 30.0
#: Polling step while hanging: short enough that ``stop()`` and client disconnects are noticed promptly.
_HANG_STEP_SECONDS = 0.05

_PROVIDERS_WITH_V1_IN_BASE_URL = frozenset({"openai"})
_FAIL_RE = re.compile(r"^fail-(\d+)-(\d{3})$")
_CUT_RE = re.compile(r"^cut-(\d+)$")
# Recorded headers that describe the original wire encoding, which the stand-in does not reproduce; sending
# them would make clients mis-frame or mis-decode the replayed body.
_HOP_BY_HOP = frozenset(
    {"content-length", "transfer-encoding", "connection", "content-encoding", "keep-alive", "date", "server"}
)
# Errors that only mean "the client went away"; they are expected (cut, timeouts, closed pools) and stay silent.
_DISCONNECT_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


#: the recorded exchanges shipped with the package (40 real OpenAI and Anthropic exchanges, each with
#: its ``SOURCE.txt``); the one copy, used by the demo, the examples and the test suite
RECORDINGS = Path(__file__).resolve().parent / "recordings"


def default_cases_dir() -> Path:
    """Return the directory of the recordings shipped with the package (:data:`RECORDINGS`).

    A plain path next to this module (rather than ``importlib.resources``) because the server needs real files
    and the package is never imported from a zip.
    """
    return RECORDINGS


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stand-in received it, so tests can assert on what the SDK really sent.

    ``path`` is the raw request target including the ``/case/...`` prefix and query string; ``headers`` has
    lower-case keys (repeated headers joined with ``", "``); ``case`` is the case that answered, if any.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    case: str | None = None

    def json(self) -> Any:
        """Decode the body as JSON (the SDKs always send JSON to these endpoints)."""
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class StandInCase:
    """A recorded exchange loaded from ``<provider>/<case>/``; read once at construction so requests stay cheap."""

    name: str
    provider: str
    directory: Path
    request: Mapping[str, Any]
    response: Mapping[str, Any]
    #: The SSE body split into events (each keeps its trailing blank line, so joining them is byte-identical
    #: to ``response.sse``); empty for non-streamed cases.
    events: tuple[bytes, ...] = field(default=(), repr=False)

    @property
    def streaming(self) -> bool:
        return bool(self.response.get("streaming")) or bool(self.events)

    @property
    def status(self) -> int:
        return int(self.response.get("status", 200))

    @cached_property
    def body_key(self) -> str | None:
        """Canonical form of the recorded request body, for key-order-insensitive matching."""
        body = self.request.get("body")
        return None if body is None else _canonical_json(body)


def _canonical_json(value: Any) -> str:
    # Sorted keys ignore key order; comparing text (not Python values) keeps true != 1 and 1 != 1.0.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _split_sse(data: bytes) -> tuple[bytes, ...]:
    """Split an SSE body into events, keeping every byte (separators stay with the event they end)."""
    parts = re.split(rb"(\r?\n\r?\n)", data)
    events: list[bytes] = []
    for i in range(0, len(parts), 2):
        chunk = parts[i] + (parts[i + 1] if i + 1 < len(parts) else b"")
        if not chunk:
            continue
        if not chunk.strip() and events:
            # Extra blank lines belong to the previous event; they are not an event of their own.
            events[-1] += chunk
        else:
            events.append(chunk)
    return tuple(events)


def _load_case(provider: str, directory: Path) -> StandInCase:
    request = json.loads((directory / "request.json").read_text(encoding="utf-8"))
    response = json.loads((directory / "response.json").read_text(encoding="utf-8"))
    events: tuple[bytes, ...] = ()
    if response.get("streaming"):
        sse_path = directory / str(response.get("body_file") or "response.sse")
        events = _split_sse(sse_path.read_bytes())
    return StandInCase(directory.name, provider, directory, request, response, events)


def _load_cases(dirs: Iterable[Path]) -> dict[str, StandInCase]:
    """Index every ``<provider>/<case>`` under ``dirs``; the first directory wins on duplicate case names,
    so callers can put their own cases in front of shipped ones to override them."""
    cases: dict[str, StandInCase] = {}
    for root in dirs:
        if not root.is_dir():
            raise FileNotFoundError(f"stand-in cases directory does not exist: {root}")
        for provider_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            for case_dir in sorted(p for p in provider_dir.iterdir() if p.is_dir()):
                if not (case_dir / "request.json").is_file() or not (case_dir / "response.json").is_file():
                    continue
                cases.setdefault(case_dir.name, _load_case(provider_dir.name, case_dir))
    return cases


def _error_body(provider: str, status: int, message: str, *, openai_type: str, code: str | None) -> dict:
    """An error body in the shape the provider's SDK parses into its exception's ``message``/``body``."""
    if provider == "anthropic":
        if status == 529:
            kind = "overloaded_error"
        elif status == 404:
            kind = "not_found_error"
        elif status < 500:
            kind = "invalid_request_error"
        else:
            kind = "api_error"
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": openai_type, "code": code}}


@dataclass(frozen=True)
class _Route:
    case: StandInCase | None
    prefix: str | None  # exact "/case/<case>/<modifiers>" string, the key of the fail counter
    api_path: str
    fail: tuple[int, int] | None = None
    cut: int | None = None
    hang: bool = False
    problem: str | None = None  # set when the request cannot be served (unknown case, bad modifier, no match)
    problem_provider: str = "openai"


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung or idle keep-alive handler must never block interpreter exit
    request_queue_size = 128  # many concurrent SDK clients connect at once in load tests

    def __init__(self, address: tuple[str, int], standin: StandIn) -> None:
        self.standin = standin
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that can take seconds in
        # sandboxes; the name is never used here.
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Default prints a traceback to stderr; disconnects are routine here and anything else is already
        # recorded in StandIn.errors by the handler.
        return

    def close_all_connections(self) -> None:
        """Shut down open client sockets so idle keep-alive and hanging handler threads end with ``stop()``."""
        with self.connections_lock:
            conns = list(self.connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real APIs; the SDKs pool connections
    server: _Server
    server_version = "otel-llmlog-standin"
    sys_version = ""

    # -- plumbing ---------------------------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        try:
            # Headers and body go out as separate writes; with Nagle on, the client's delayed ACK would add
            # ~40 ms to every keep-alive request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def handle(self) -> None:
        try:
            super().handle()
        except _DISCONNECT_ERRORS:
            self.close_connection = True
        except OSError:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature fixed by the base class
        # Silent: test output must not be polluted by per-request access logs.
        return

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # trailers until blank line
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline(3)  # CRLF after chunk
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _header_dict(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for key, value in self.headers.items():
            k = key.lower()
            headers[k] = f"{headers[k]}, {value}" if k in headers else value
        return headers

    # -- request handling -------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        standin = self.server.standin
        body = self._read_body()
        route = standin._route(self.command, self.path, body)
        standin._record(
            RecordedRequest(
                method=self.command,
                path=self.path,
                headers=self._header_dict(),
                body=body,
                case=route.case.name if route.case and not route.problem else None,
            )
        )
        try:
            self._respond(route)
        except _DISCONNECT_ERRORS:
            self.close_connection = True
        except Exception as exc:  # pragma: no cover - a bug in the stand-in, surfaced via StandIn.errors
            standin._record_error(exc)
            self.close_connection = True

    def _respond(self, route: _Route) -> None:
        standin = self.server.standin
        if route.problem is not None:
            self._send_json(
                404,
                _error_body(
                    route.problem_provider, 404, route.problem, openai_type="invalid_request_error", code="standin_no_match"
                ),
                route.problem_provider,
                extra={"x-should-retry": "false"},
            )
            return
        case = route.case
        assert case is not None
        if route.fail is not None and route.prefix is not None:
            count, status = route.fail
            if standin._take_failure(route.prefix, count):
                message = f"injected {status}"
                self._send_json(
                    status,
                    _error_body(case.provider, status, message, openai_type="server_error", code=None),
                    case.provider,
                    extra={"x-should-retry": "true"},
                )
                return
        if route.hang:
            self._hang()
            return
        self._send_case(case, route.cut)

    def _hang(self) -> None:
        """Hold the request unanswered; wake in small steps to notice ``stop()`` or the client leaving."""
        self.close_connection = True
        stopping = self.server.stopping
        deadline = time.monotonic() + HANG_LIMIT_SECONDS
        while not stopping.is_set() and time.monotonic() < deadline:
            try:
                readable, _, _ = select.select([self.connection], [], [], _HANG_STEP_SECONDS)
                if readable and not self.connection.recv(1, socket.MSG_PEEK):
                    return  # client closed (e.g. its timeout fired): stop holding a thread for it
                if readable:
                    stopping.wait(_HANG_STEP_SECONDS)  # unexpected pipelined data: avoid a busy loop
            except (OSError, ValueError):
                return

    def _base_headers(self, provider: str, recorded: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
        headers = [(k, str(v)) for k, v in (recorded or {}).items() if k.lower() not in _HOP_BY_HOP]
        names = {k.lower() for k, _ in headers}
        # The SDKs expose request ids on responses and errors; instrumentation records them, so always have one.
        if provider == "anthropic":
            if "request-id" not in names:
                headers.append(("request-id", "req_standin" + uuid.uuid4().hex[:16]))
        elif "x-request-id" not in names:
            headers.append(("x-request-id", "req_" + uuid.uuid4().hex))
        return headers

    def _send_json(self, status: int, payload: Any, provider: str, *, extra: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload).encode("utf-8")
        headers = [("content-type", "application/json")] + list((extra or {}).items())
        self._send_simple(status, self._base_headers(provider, dict(headers)), data)

    def _send_simple(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _send_case(self, case: StandInCase, cut: int | None) -> None:
        recorded = dict(case.response.get("headers") or {})
        content_type = case.response.get("content_type")
        if content_type and not any(k.lower() == "content-type" for k in recorded):
            recorded["content-type"] = str(content_type)
        headers = self._base_headers(case.provider, recorded)

        if case.streaming:
            chunks: list[bytes] = list(case.events)
        else:
            body = json.dumps(case.response.get("body")).encode("utf-8")
            if cut is None:
                self._send_simple(case.status, headers, body)
                return
            chunks = [body]

        # Chunked framing so a premature end (cut) is a detectable protocol error, not a clean EOF.
        self.send_response(case.status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        if self.command == "HEAD":
            return
        if cut is not None:
            if case.streaming:
                chunks = chunks[:cut]
            else:
                chunks = [chunks[0][:cut]]
        for chunk in chunks:
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
        if cut is not None:
            self._abort()
            return
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _abort(self) -> None:
        """Drop the connection mid-body, the way a proxy or a crashed upstream would."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class StandIn:
    """Loopback HTTP server replaying recorded OpenAI/Anthropic exchanges for the real SDKs.

    Use as a context manager (or ``start()``/``stop()``), point the SDK client at :meth:`base_url`, then assert
    on :attr:`requests`.  All state (recorded requests, failure counters) is per instance, so tests can run
    several stand-ins side by side.
    """

    def __init__(
        self,
        cases_dir: PathLike | Iterable[PathLike] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Load the cases now, so a bad directory fails at construction rather than on the first request.

        ``cases_dir`` is one directory or several, each holding ``<provider>/<case>/`` subfolders; ``None`` means
        the demo cases shipped with the package.  ``port=0`` lets the OS pick a free port (see :attr:`url`).
        """
        if cases_dir is None:
            dirs = [default_cases_dir()]
        elif isinstance(cases_dir, (str, os.PathLike)):
            dirs = [Path(cases_dir)]
        else:
            dirs = [Path(d) for d in cases_dir]
        self.cases_dirs: tuple[Path, ...] = tuple(dirs)
        self.cases: Mapping[str, StandInCase] = _load_cases(dirs)
        self.host = host
        self.port = port
        #: Every request received, in arrival order (including injected failures and hung requests).
        self.requests: list[RecordedRequest] = []
        #: Unexpected exceptions inside the server (not client disconnects); empty unless the stand-in has a bug.
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._fail_counts: dict[str, int] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------------------

    def start(self) -> StandIn:
        """Bind and serve in a daemon thread; returns ``self`` so ``StandIn(...).start()`` reads naturally."""
        if self._server is not None:
            return self
        server = _Server((self.host, self.port), self)
        self._server = server
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"standin:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call more than once."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = None
        self._thread = None
        server.stopping.set()  # wakes hanging handlers
        server.shutdown()
        server.close_all_connections()  # ends idle keep-alive handlers
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- URLs -------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Root URL of the running server, e.g. ``http://127.0.0.1:54321``."""
        if self._server is None:
            raise RuntimeError("StandIn is not running; call start() or use it as a context manager")
        host = self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def base_url(
        self,
        case: str | None = None,
        *,
        provider: str | None = None,
        fail: tuple[int, int] | None = None,
        cut: int | None = None,
        hang: bool = False,
    ) -> str:
        """The ``base_url`` to give the provider's SDK client, optionally pinned to ``case`` with modifiers.

        The OpenAI SDK expects ``.../v1`` and appends ``/chat/completions``; the Anthropic SDK appends
        ``/v1/messages`` itself, so its base URL has no ``/v1``.  ``provider`` defaults to the case's provider
        (``"openai"`` when no case is given).  ``fail=(n, status)`` answers the first ``n`` requests with
        ``status``; ``cut=k`` breaks a stream after ``k`` events; ``hang=True`` never answers.  Each call with
        the same arguments yields the same prefix and thus shares the same failure counter.
        """
        if case is None:
            if fail is not None or cut is not None or hang:
                raise ValueError("fail/cut/hang modifiers need a case name")
            prefix = ""
            provider = provider or "openai"
        else:
            if case not in self.cases:
                raise KeyError(f"unknown stand-in case {case!r}; known: {', '.join(sorted(self.cases))}")
            provider = provider or self.cases[case].provider
            segments = ["case", quote(case, safe="")]
            if fail is not None:
                count, status = fail
                if count < 0 or not 100 <= status <= 999:
                    raise ValueError(f"bad fail modifier {fail!r}")
                segments.append(f"fail-{int(count)}-{int(status)}")
            if cut is not None:
                if cut < 0:
                    raise ValueError(f"bad cut modifier {cut!r}")
                segments.append(f"cut-{int(cut)}")
            if hang:
                segments.append("hang")
            prefix = "/" + "/".join(segments)
        suffix = "/v1" if provider in _PROVIDERS_WITH_V1_IN_BASE_URL else ""
        return f"{self.url}{prefix}{suffix}"

    # -- helpers for tests ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget recorded requests and failure counters, so one server can be reused across tests."""
        with self._lock:
            self.requests.clear()
            self._fail_counts.clear()
            self.errors.clear()

    # -- internals used by the handler ------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _record_error(self, exc: BaseException) -> None:
        with self._lock:
            self.errors.append(exc)

    def _take_failure(self, prefix: str, count: int) -> bool:
        """Count one arrival at ``prefix``; True while it is among the first ``count`` (atomic across threads)."""
        with self._lock:
            seen = self._fail_counts.get(prefix, 0)
            self._fail_counts[prefix] = seen + 1
            return seen < count

    def _route(self, method: str, target: str, body: bytes) -> _Route:
        path = target.split("?", 1)[0]
        segments = path.split("/")
        if len(segments) >= 3 and segments[0] == "" and segments[1] == "case":
            return self._route_prefixed(method, segments)
        return self._route_by_body(method, path, body)

    def _route_prefixed(self, method: str, segments: list[str]) -> _Route:
        name = unquote(segments[2])
        case = self.cases.get(name)
        fail: tuple[int, int] | None = None
        cut: int | None = None
        hang = False
        i = 3
        while i < len(segments):
            seg = segments[i]
            if m := _FAIL_RE.match(seg):
                fail = (int(m.group(1)), int(m.group(2)))
            elif m := _CUT_RE.match(seg):
                cut = int(m.group(1))
            elif seg == "hang":
                hang = True
            else:
                break
            i += 1
        prefix = "/".join(segments[:i])
        api_path = "/" + "/".join(segments[i:])
        if case is None:
            return _Route(
                None, prefix, api_path,
                problem=f"stand-in: unknown case {name!r} in {prefix!r}; known: {', '.join(sorted(self.cases))}",
            )
        want_method = str(case.request.get("method", "POST")).upper()
        want_path = str(case.request.get("path", api_path))
        if (method, api_path) != (want_method, want_path):
            return _Route(
                case, prefix, api_path,
                problem=(
                    f"stand-in: case {name!r} was recorded for {want_method} {want_path}, "
                    f"got {method} {api_path}"
                ),
                problem_provider=case.provider,
            )
        return _Route(case, prefix, api_path, fail=fail, cut=cut, hang=hang)

    def _route_by_body(self, method: str, path: str, body: bytes) -> _Route:
        try:
            key = _canonical_json(json.loads(body)) if body else None
        except ValueError:
            key = None
        for case in self.cases.values():
            if (
                str(case.request.get("method", "POST")).upper() == method
                and case.request.get("path") == path
                and case.body_key == key
            ):
                return _Route(case, None, path)
        return _Route(
            None, None, path,
            problem=(
                f"stand-in: no recorded case matches {method} {path} with this body; "
                "use a /case/<name>/ base URL or send a recorded request.json body"
            ),
        )
