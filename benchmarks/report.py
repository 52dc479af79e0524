"""Rows of benchmark figures, their budgets, and the table/Markdown/JSON they print as."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.budgets import BUDGETS

#: How a row's value is shown: seconds as "s" or "ms", sizes in "bytes", or a plain ratio.
UNITS = ("s", "ms", "bytes", "ratio")


@dataclass
class Row:
    """One figure of the table.

    value and budget are in seconds for the units "s" and "ms" (shown in ms), in bytes
    for "bytes". value is None when the figure could not be measured (see error).
    """

    figure: str
    value: float | None
    unit: str
    budget: float | None = None
    note: str = ""
    error: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, got {self.unit!r}")

    @property
    def over(self) -> bool:
        """Whether the value exceeds its budget (a missing value or budget never is)."""
        return self.value is not None and self.budget is not None and self.value > self.budget

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "over": self.over}


def format_value(value: float | None, unit: str) -> str:
    """A value for the table: "6.21 s", "48 ms", "1.24 MB", "1.7x"; "n/a" for None."""
    if value is None:
        return "n/a"
    if unit == "s":
        return f"{value:.1f} s" if value >= 100 else f"{value:.2f} s"
    if unit == "ms":
        return f"{value * 1000:.0f} ms" if value >= 0.1 else f"{value * 1000:.1f} ms"
    if unit == "bytes":
        if value >= 1e6:
            return f"{value / 1e6:.2f} MB"
        return f"{value / 1e3:.0f} kB"
    if unit == "ratio":
        return f"{value:.2f}x"
    raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")


def _cells(row: Row) -> list[str]:
    value = format_value(row.value, row.unit)
    if row.note:
        value += f" ({row.note})"
    if row.error:
        value += f" [{row.error}]"
    budget = format_value(row.budget, row.unit) if row.budget is not None else ""
    return [row.figure, value, budget, "OVER" if row.over else ""]


HEADER = ["figure", "value", "budget", ""]


def text_table(rows: Sequence[Row]) -> str:
    """An aligned plain-text table; rows over budget are marked OVER."""
    cells = [HEADER] + [_cells(r) for r in rows]
    widths = [max(len(c[k]) for c in cells) for k in range(len(HEADER))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(rows: Sequence[Row], machine: str = "") -> str:
    """The table as GitHub Markdown, preceded by the machine line when given."""
    cells = [[_md_escape(c) for c in _cells(r)] for r in rows]
    for c in cells:
        c[3] = "**OVER**" if c[3] else ""
    lines = [f"| {' | '.join(HEADER)} |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(c)} |" for c in cells]
    table = "\n".join(lines)
    return f"{machine}\n\n{table}" if machine else table


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def machine_info() -> dict[str, Any]:
    """CPU model, cores, RAM, OS, Python version and the load when measuring started."""
    cpu = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    distro = re.search(r'^PRETTY_NAME="?([^"\n]+)"?', _read("/etc/os-release"), re.M)
    try:
        usable: int | None = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    try:
        load: list[float] | None = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cpu": cpu.group(1).strip() if cpu else platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "ram_gb": round(int(mem.group(1)) / 2**20, 1) if mem else None,
        "os": distro.group(1) if distro else platform.platform(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_average_at_start": load,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def machine_line(info: dict[str, Any]) -> str:
    """One line naming the machine, for the top of the table."""
    ram = f"{info['ram_gb']:g} GB RAM" if info.get("ram_gb") else "RAM unknown"
    start, end = info.get("load_average_at_start"), info.get("load_average_at_end")
    load_text = f", load average {start[0]:g} at start" if start else ""
    if start and end:
        load_text += f" and {end[0]:g} at the end"
    return (
        f"Measured {info['date']} on {info['cpu']}, {info['cores']} cores, {ram}, "
        f"{info['os']}, Python {info['python']}{load_text}."
    )


def results_json(rows: Sequence[Row], machine: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Everything the table shows (plus each row's detail) as one JSON-ready dict."""
    return {
        "machine": machine,
        "machine_line": machine_line(machine),
        **extra,
        "over_budget": [r.figure for r in rows if r.over],
        "rows": [r.to_json() for r in rows],
    }


# --- the README's short table -----------------------------------------------------------

README_START = "<!-- benchmarks: start (written by python -m benchmarks.run --readme) -->"
README_END = "<!-- benchmarks: end -->"


def _largest(rows: Sequence[Row], prefix: str) -> Row | None:
    measured = [r for r in rows if r.figure.startswith(prefix) and r.value is not None]
    return max(measured, key=lambda r: r.value or 0.0, default=None)


def summary_rows(rows: Sequence[Row], lite: dict[str, Any] | None = None) -> list[list[str]]:
    """The README's rows (figure, latest, budget): per kind of figure, the worst one."""
    out: list[list[str]] = []

    def add(figure: str, row: Row | None, name: str = "") -> None:
        if row is None:
            return
        value = format_value(row.value, row.unit) + (f" ({name})" if name else "")
        budget = format_value(row.budget, row.unit) if row.budget is not None else "tracked"
        out.append([figure, value + (" **OVER**" if row.over else ""), budget])

    slowest = _largest(rows, "execute ")
    if slowest is not None:
        add("slowest notebook's execution", slowest, slowest.figure.removeprefix("execute "))
    add("book execution / (chapters x kernel floor)", _largest(rows, "total / ("))
    redraw = _largest(rows, "redraw median: ")
    if redraw is not None:
        add(
            "live slider redraw, median (slowest explorer)",
            redraw,
            redraw.figure.removeprefix("redraw median: "),
        )
    add("cold build", _largest(rows, "cold build"))
    add("cached rebuild after a prose edit", _largest(rows, "cached rebuild"))
    page = _largest(rows, "page book/")
    if page is not None:
        add("heaviest page", page, page.figure.removeprefix("page "))
    add("full test command", _largest(rows, "test command"))
    for figure, key, unit, budget in (
        ("browser edition: Run All, warm, median", "warm_median_s", "s", "lite_run_all"),
        (
            "browser edition: first visit",
            "first_visit_bytes",
            "bytes",
            "lite_first_visit",
        ),
    ):
        if lite and key in lite:
            add(figure, Row(figure, float(lite[key]), unit, BUDGETS[budget].limit))
    return out


def readme_section(rows: Sequence[Row], machine: str, lite: dict[str, Any] | None = None) -> str:
    """The README's benchmark section: the machine line and the short table, in markers."""
    lines = ["| figure | latest | budget |", "|---|---|---|"]
    lines += [f"| {' | '.join(_md_escape(c) for c in r)} |" for r in summary_rows(rows, lite)]
    return "\n".join([README_START, "", machine, "", *lines, "", README_END])


def replace_readme_section(text: str, section: str) -> str:
    """``text`` with the part between the markers (markers included) replaced."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ValueError("README.md has no benchmark markers; add them where the table goes")
    return text[:start] + section + text[end + len(README_END) :]
