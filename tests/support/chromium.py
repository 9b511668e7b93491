"""Headless Chromium for the console tests: render a page after its scripts ran (--dump-dom with a
virtual time budget), screenshot it, and read what it shows (text by element id, the graphs' SVG paths).

A missing tool fails the test (never skips) with how to install it.
"""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.support.tools import require_tool

CHROMIUM = "/usr/bin/chromium"

SCREEN = (1400, 1600)  # the console screenshot (docs/console-stream.png)
# Virtual time Chromium lets pass before it dumps or screenshots a page: the console's graph script
# fetches its data from Prometheus in that time (virtual time stands still while requests are pending).
RENDER_BUDGET_MS = 10_000


def chromium_flags(user_data_dir: Path, window: tuple[int, int] = (1400, 2000)) -> list[str]:
    return [require_tool("chromium", CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={user_data_dir}", f"--window-size={window[0]},{window[1]}"]


def start_chromium(user_data_dir: Path, *args: str) -> subprocess.Popen[str]:
    """A one-shot headless run (--dump-dom or --screenshot) that lets the page's scripts finish first."""
    user_data_dir.mkdir(parents=True, exist_ok=True)
    flags = [*chromium_flags(user_data_dir, SCREEN), f"--virtual-time-budget={RENDER_BUDGET_MS}"]
    return subprocess.Popen([*flags, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, start_new_session=True)


def finish(proc: subprocess.Popen[str], timeout: float = 60.0) -> tuple[int, str, str]:
    """Wait for a chromium run; on timeout kill its process group and fail."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"chromium did not finish within {timeout:.0f} s: {err[-2000:]}", pytrace=False)
    return proc.returncode, out, err


class _TextById(HTMLParser):
    """Collects the text content of every element that has an id attribute."""

    VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str | None] = []
        self.texts: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        element_id = dict(attrs).get("id")
        if element_id is not None:
            self.texts.setdefault(element_id, [])
        self.stack.append(element_id)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID or not self.stack:
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for element_id in self.stack:
            if element_id is not None:
                self.texts[element_id].append(data)


def text_by_id(html: str) -> dict[str, str]:
    parser = _TextById()
    parser.feed(html)
    parser.close()
    return {k: " ".join("".join(v).split()) for k, v in parser.texts.items()}


# ---------------------------------------------------------------------- the console's graphs

@dataclass
class Graph:
    """One figure.graph of the rendered console: its SVG paths (legend name -> points drawn)."""

    points: int                                   # the figure's data-points attribute
    error: str | None                             # data-error, set when a query failed
    paths: dict[str, str] = field(default_factory=dict)  # legend name -> the path's d attribute
    text: list[str] = field(default_factory=list)  # caption, axis labels, legend

    def points_of(self, name: str) -> int:
        return path_points(self.paths[name])

    def thin_paths(self) -> dict[str, str]:
        """Paths that do not draw a line through at least two points."""
        return {name: d for name, d in self.paths.items() if path_points(d) < 2 or path_lines(d) < 1}


def path_points(d: str) -> int:
    """Points in an SVG path drawn by the graph script (one M or L command per point)."""
    return len(re.findall(r"[ML]\s*-?\d", d))


def path_lines(d: str) -> int:
    """Line segments in the path (L commands): points joined to the one before them."""
    return len(re.findall(r"L\s*-?\d", d))


class _Graphs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.graphs: dict[str, Graph] = {}
        self.current: str | None = None
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "figure" and "graph" in (a.get("class") or "").split():
            self.current, self.depth = a.get("id") or "", 0
            self.graphs[self.current] = Graph(points=int(a.get("data-points") or 0), error=a.get("data-error"))
        if self.current is None:
            return
        if tag == "figure":
            self.depth += 1
        if tag == "path" and "line" in (a.get("class") or "").split():
            self.graphs[self.current].paths[a.get("data-name") or ""] = a.get("d") or ""

    def handle_endtag(self, tag: str) -> None:
        if self.current is not None and tag == "figure":
            self.depth -= 1
            if self.depth == 0:
                self.current = None

    def handle_data(self, data: str) -> None:
        if self.current is not None and data.strip():
            self.graphs[self.current].text.append(data.strip())


def graphs(dom: str) -> dict[str, Graph]:
    """Every graph of a console page as Chromium rendered it (after its script ran), by element id."""
    parser = _Graphs()
    parser.feed(dom)
    parser.close()
    return parser.graphs


def render_console(url: str, workdir: Path, screenshot: Path | None = None) -> str:
    """The DOM of ``url`` after its scripts ran (chromium --dump-dom), and optionally a screenshot."""
    shot = start_chromium(workdir / "profile-shot", f"--screenshot={screenshot}", url) if screenshot else None
    dump = start_chromium(workdir / "profile-dom", "--dump-dom", url)
    dump_code, dom, dump_err = finish(dump)
    assert dump_code == 0 and "</html>" in dom, f"chromium --dump-dom failed ({dump_code}): {dump_err[-2000:]}"
    if shot is not None:
        shot_code, _, shot_err = finish(shot)
        assert shot_code == 0 and screenshot.is_file(), f"chromium --screenshot failed ({shot_code}): {shot_err[-2000:]}"
    return dom


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])
