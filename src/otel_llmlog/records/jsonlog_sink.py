"""Where the JSON-log exporter's lines go: a file with size-based rotation (or stdout), whole lines only."""

from __future__ import annotations

import os
import sys
import threading

__all__ = ["JsonLogFile"]


class JsonLogFile:
    """Appends whole lines to a file (no user-space buffer) or to stdout (flushed after each batch).

    Rotation is ``logging.handlers.RotatingFileHandler``'s: before a line that would take the file
    past ``max_bytes``, ``path.{n-1}`` becomes ``path.{n}`` ... ``path`` becomes ``path.1`` (the
    oldest beyond ``backups`` is deleted) and a new ``path`` is started; a line longer than
    ``max_bytes`` gets a file of its own. Either setting 0 means no rotation.
    """

    def __init__(self, path: str, max_bytes: int, backups: int) -> None:
        self.template = path
        self.max_bytes = max_bytes
        self.backups = backups
        self.lock = threading.Lock()
        self.fd: int | None = None
        self.size = 0
        self.path = ""
        if path != "-":
            self._open()

    @property
    def stdout(self) -> bool:
        return self.template == "-"

    def _open(self) -> None:
        self.path = self.template.replace("{pid}", str(os.getpid()))
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.size = os.fstat(self.fd).st_size

    def reopen_after_fork(self) -> None:
        self.lock = threading.Lock()
        if not self.stdout and "{pid}" in self.template:
            if self.fd is not None:
                os.close(self.fd)
            self._open()

    def write_lines(self, lines: list[bytes]) -> None:
        with self.lock:
            if self.stdout:
                out = sys.stdout
                if out is None:
                    raise OSError("stdout is closed")
                out.write(b"".join(lines).decode("utf-8"))
                out.flush()
                return
            if self.fd is None:
                raise OSError(f"{self.path} is closed")
            rotating = bool(self.max_bytes and self.backups)
            chunk: list[bytes] = []
            chunk_size = 0
            for line in lines:
                if rotating and self.size + chunk_size and self.size + chunk_size + len(line) > self.max_bytes:
                    self._append(chunk)
                    chunk, chunk_size = [], 0
                    if self.size:
                        self._rotate()
                chunk.append(line)
                chunk_size += len(line)
            self._append(chunk)

    def _append(self, chunk: list[bytes]) -> None:
        """One ``write`` for whole lines: each ``write`` releases the GIL, and a thread that gives
        it up per line gets it back only after the application's next switch interval (5 ms)."""
        if not chunk:
            return
        data = b"".join(chunk)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]  # type: ignore[arg-type]
        self.size += len(data)

    def _rotate(self) -> None:
        assert self.fd is not None
        os.close(self.fd)
        self.fd = None
        for i in range(self.backups - 1, 0, -1):
            if os.path.exists(f"{self.path}.{i}"):
                os.replace(f"{self.path}.{i}", f"{self.path}.{i + 1}")
        os.replace(self.path, f"{self.path}.1")
        self._open()

    def close(self) -> None:
        with self.lock:
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None
