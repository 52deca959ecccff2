"""What the explorer reads: the paths given (or the exporter's own file), as sources DuckDB can read.

A user points ``logs``/``show``/``stats`` at whatever they have: files, directories (every
``*.jsonl*`` in them, rotated ``llm-calls.jsonl.1`` ... included), ``-`` for stdin, gzip, and span
files. DuckDB wants JSON-lines files of log records, each read with the column types of its record
format, so every input becomes a :class:`Source`:

* stdin is copied to a temporary file, since DuckDB and the bad-line report both read it again;
* a file is recognised by its first bytes (:func:`otel_llmlog.records.formats.detect_content`, the
  package's one detector), never by its name;
* a span file (OTLP JSON / protobuf, Jaeger JSON) goes through the same converter as ``otel-llmlog
  convert``, into a temporary file of standard records;
* a gzip file cut short (which stops DuckDB as a whole) is replaced by the lines that decompress
  (:func:`plain_copy`).

Messages always use the name the user gave (``Source.name``), not the temporary file's.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from glob import escape, glob
from typing import IO, Literal

from ...records.formats import detect_content, read_head
from .errors import ExplorerError

__all__ = ["RecordFormat", "Source", "collect_sources", "default_paths", "open_source", "plain_copy"]

#: the two log-record formats this library writes: ``StandardLoggingPayload`` and the gateway's
#: generation record (``OTEL_LLMLOG_JSON_FORMAT``)
RecordFormat = Literal["standard", "generation"]


@dataclass(frozen=True)
class Source:
    """One JSON-lines file as DuckDB reads it. ``name`` is what messages call it (the user's path,
    ``<stdin>``); ``path`` differs from it for stdin and for span files converted to records."""

    path: str
    name: str
    record_format: RecordFormat
    gzip: bool = False


def default_paths() -> list[str]:
    """What the JSON-log exporter writes when nothing is configured: ``OTEL_LLMLOG_JSON_PATH`` (or
    ``llm-calls.jsonl``) and its rotated files ``.1``, ``.2`` ...; ``{pid}`` matches any process."""
    from ...records.exporters import DEFAULT_PATH, PATH_ENV

    configured = os.environ.get(PATH_ENV, "").strip() or DEFAULT_PATH
    if configured == "-":
        raise ExplorerError(f"{PATH_ENV} is '-' (the exporter writes to stdout): pass the file the output went to")
    pattern = escape(configured).replace("{pid}", "*")
    found = sorted(set(glob(pattern)) | {p for p in glob(pattern + ".*") if re.search(r"\.\d+$", p)})
    if not found:
        raise ExplorerError(f"no log file {configured} here: pass the files or directory to read, or set {PATH_ENV}")
    return found


def temp_file(workdir: str, prefix: str) -> str:
    """A new empty ``.jsonl`` file in ``workdir`` (the command's temporary directory)."""
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=".jsonl", dir=workdir)
    os.close(fd)
    return path


def _files_of(arg: str) -> list[str]:
    if os.path.isdir(arg):
        found = sorted(p for p in glob(os.path.join(escape(arg), "*.jsonl*")) if os.path.isfile(p))
        if not found:
            raise ExplorerError(f"{arg}: no *.jsonl files in this directory")
        return found
    if not os.path.exists(arg):
        raise ExplorerError(f"{arg}: no such file or directory")
    return [arg]


def collect_sources(paths: Sequence[str], workdir: str, stdin: IO[bytes] | None, bad: list[str],
                    empty: list[str] | None = None) -> list[Source]:
    """The sources of ``paths`` (none: :func:`default_paths`), in the order given.

    Problems with span files are appended to ``bad`` as ``file:line: reason``; a missing path is an
    :class:`ExplorerError`. Empty files give no source; their names go to ``empty``.
    """
    named: list[tuple[str, str]] = []
    for arg in paths or default_paths():
        if arg == "-":
            if stdin is None:
                raise ExplorerError("-: no standard input")
            copy = temp_file(workdir, "stdin-")
            with open(copy, "wb") as out:
                shutil.copyfileobj(stdin, out, 1 << 20)
            named.append((copy, "<stdin>"))
        else:
            named.extend((p, p) for p in _files_of(arg))
    sources = []
    for path, name in named:
        head, compressed = read_head(path)
        content = detect_content(head)
        if content is None and empty is not None:
            empty.append(name)
        if content == "spans":
            sources.append(_converted(path, name, workdir, bad))
        elif content is not None:
            sources.append(Source(path, name, content, compressed))
    return sources


def _converted(path: str, name: str, workdir: str, bad: list[str]) -> Source:
    """A span file as standard records, through the same streaming conversion as ``otel-llmlog convert``
    (bounded memory whatever the file's size)."""
    from ...records.convert import SpanConversion

    out = temp_file(workdir, "converted-")
    with open(path, "rb") as stream, open(out, "wb") as fh:
        conversion = SpanConversion(fh.write)
        conversion.read(stream, name)
        conversion.finish()
    bad.extend(f"{name}:{e.line}: {e.reason}" for e in conversion.errors)
    return Source(out, name, "standard")


def open_source(source: Source) -> IO[bytes]:
    """The source's lines as bytes, decompressed when it is gzip."""
    return gzip.open(source.path, "rb") if source.gzip else open(source.path, "rb")  # type: ignore[return-value]


def plain_copy(source: Source, workdir: str, bad: list[str]) -> Source:
    """The lines of a gzip ``source`` that decompress, uncompressed in a temporary file (same line
    numbers), for a file DuckDB cannot read as a whole because it was cut short."""
    out = temp_file(workdir, "plain-")
    number = 0  # lines copied
    with open(out, "wb") as dst:
        try:
            with gzip.open(source.path, "rb") as fh:
                for line in fh:
                    dst.write(line if line.endswith(b"\n") else line + b"\n")
                    number += 1
        except (OSError, EOFError, zlib.error) as exc:
            bad.append(f"{source.name}:{number + 1}: the gzip data ends early or is damaged ({exc}); the lines before it are read")
    return Source(out, source.name, source.record_format)
