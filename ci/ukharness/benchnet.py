"""`make bench-net`'s reading of its dom0 script (ci/xl/bench-net.sh): the
"bench: " lines and wrk's reports between them, turned into figures for
ukrt and Linux, their ratio, and the issue's goal for each.

The script's lines (see its header): "boot KIND N memory=M create_ms=X
answer_ms=Y", "wrk KIND LABEL begin" ... "wrk end status=N", "memory KIND
M serves=yes|no [why=...]", "memory-min KIND M", "note: ...", "error: ..." and
"console: ..." (the guest's last lines when something broke), "done: ...".
"""
import re
import statistics
from typing import NamedTuple, Optional

PREFIX = "bench: "
KINDS = ("ukrt", "linux")
MIB = 1 << 20

# wrk prints times with these units (its format_time) and sizes 1024-based.
TIME_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
SIZE = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}
NUMBER_UNIT = re.compile(r"^([\d.]+)([a-zA-Z]+)$")


def time_ms(text):
    """wrk's "722.00us", "1.20s" in milliseconds."""
    m = NUMBER_UNIT.match(text)
    if not m or m.group(2) not in TIME_MS:
        raise ValueError(f"not a wrk time: {text!r}")
    return float(m.group(1)) * TIME_MS[m.group(2)]


def size_bytes(text):
    """wrk's "146.48KB", "3.20MB" (1024-based) in bytes."""
    m = NUMBER_UNIT.match(text)
    if not m or m.group(2) not in SIZE:
        raise ValueError(f"not a wrk size: {text!r}")
    return float(m.group(1)) * SIZE[m.group(2)]


class Wrk(NamedTuple):
    """One wrk run: requests completed in seconds, bytes read (partial
    responses too), the latency percentiles in ms, and errors."""
    requests: int
    seconds: float
    rps: float
    bytes_per_s: float
    p50_ms: Optional[float]
    p99_ms: Optional[float]
    socket_errors: int
    non_2xx: int

    @property
    def mib_per_s(self):
        return self.bytes_per_s / MIB


def parse_wrk(lines):
    """The Wrk of a report (wrk --latency's output lines); ValueError when
    the report has no "N requests in T" line (wrk failed)."""
    done = rps = transfer = None
    pct = {}
    errors = non_2xx = 0
    for line in lines:
        s = line.strip()
        m = re.match(r"^(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read$", s)
        if m:
            done = (int(m.group(1)), time_ms(m.group(2)) / 1e3)
        m = re.match(r"^(50|99)%\s+([\d.]+\w+)$", s)
        if m:
            pct[m.group(1)] = time_ms(m.group(2))
        m = re.match(r"^Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)$", s)
        if m:
            errors = sum(int(x) for x in m.groups())
        m = re.match(r"^Non-2xx or 3xx responses: (\d+)$", s)
        if m:
            non_2xx = int(m.group(1))
        m = re.match(r"^Requests/sec:\s+([\d.]+)$", s)
        if m:
            rps = float(m.group(1))
        m = re.match(r"^Transfer/sec:\s+([\d.]+\w+)$", s)
        if m:
            transfer = size_bytes(m.group(1))
    if done is None or rps is None or transfer is None:
        raise ValueError("no 'N requests in T' and Requests/sec and Transfer/sec lines")
    return Wrk(done[0], done[1], rps, transfer, pct.get("50"), pct.get("99"), errors, non_2xx)


def fields(words):
    """KEY=VALUE words as a dict (a value may be "quoted, with spaces")."""
    return {m.group(1): m.group(2) if m.group(3) is None else m.group(3)
            for m in re.finditer(r'(\w+)=(?:"([^"]*)"|(\S+))', words)}


class Run:
    """What the script reported. boots[kind]: (create_ms, answer_ms, memory)
    per sample; wrk[(kind, label)]: a Wrk, or the reason there is none;
    probes[kind]: (memory, serves, why); memory_min[kind]; errors: the
    error and console lines; done: the script got to its end."""

    def __init__(self):
        self.boots = {k: [] for k in KINDS}
        self.wrk = {}
        self.probes = {k: [] for k in KINDS}
        self.memory_min = {}
        self.errors = []
        self.notes = []
        self.done = False


def parse(lines):
    """The Run that the script's output lines tell."""
    run = Run()
    block = None  # (kind, label, lines) of the wrk report being read
    for line in lines:
        if not line.startswith(PREFIX):
            if block is not None:
                block[2].append(line)
            continue
        what = line[len(PREFIX):]
        word = what.split()
        if block is not None and what.startswith("wrk end"):
            kind, label, report = block
            status = fields(what).get("status", "?")
            try:
                w = parse_wrk(report)
                run.wrk[(kind, label)] = w if status == "0" else f"wrk exited with status {status}"
            except ValueError as e:
                run.wrk[(kind, label)] = f"wrk exited with status {status}: {e}: " + \
                    " / ".join(x.strip() for x in report[-3:])
            block = None
        elif word[:1] == ["wrk"] and word[-1:] == ["begin"] and len(word) == 4:
            block = (word[1], word[2], [])
        elif word[:1] == ["boot"] and len(word) >= 3:
            f = fields(what)
            run.boots.setdefault(word[1], []).append(
                (float(f["create_ms"]), float(f["answer_ms"]), int(f["memory"])))
        elif word[:1] == ["memory"] and len(word) >= 4:
            f = fields(what)
            run.probes.setdefault(word[1], []).append((int(word[2]), f["serves"] == "yes",
                                                       f.get("why", "")))
        elif word[:1] == ["memory-min"] and len(word) == 3:
            run.memory_min[word[1]] = int(word[2])
        elif what.startswith(("error:", "console:", "xl log:")):
            run.errors.append(what)
        elif what.startswith("note: "):
            run.notes.append(what[len("note: "):])
        elif what.startswith("done"):
            run.done = True
    return run


class Row(NamedTuple):
    """One figure: its key (for the JSON), name, unit, which way is better
    ("higher"/"lower"), ukrt's and Linux's values (None: not measured), and
    the issue's goal as a bound on the ratio ukrt/Linux (None: no goal)
    with its wording."""
    key: str
    name: str
    unit: str
    better: str
    ukrt: Optional[float]
    linux: Optional[float]
    goal: Optional[float] = None
    goal_text: str = ""

    @property
    def ratio(self):
        if self.ukrt is None or self.linux is None or self.linux == 0:
            return None
        return self.ukrt / self.linux

    @property
    def met(self):
        r = self.ratio
        if self.goal is None or r is None:
            return None
        return r >= self.goal if self.better == "higher" else r <= self.goal


def rows(run, loads):
    """The table's rows. loads: (label, connections, path) of the wrk runs,
    in order; a path of /bytes/1048576 gives MiB/s, the others requests/s
    and latencies."""
    def wrk(kind, label):
        w = run.wrk.get((kind, label))
        return w if isinstance(w, Wrk) else None

    def pair(label, get):
        vals = [wrk(k, label) for k in KINDS]
        return [get(w) if w is not None else None for w in vals]

    out = []
    for label, conns, path in loads:
        conn = f"{conns} connection{'s' if conns != 1 else ''}"
        if path == "/bytes/1048576":
            out.append(Row(f"mib_per_s_{label}", f"throughput, 1 MiB bodies, {conn}", "MiB/s",
                           "higher", *pair(label, lambda w: w.mib_per_s), 1.0,
                           "at least Linux's"))
            continue
        out.append(Row(f"requests_per_s_{label}", f"requests/s, {path}, {conn}", "req/s",
                       "higher", *pair(label, lambda w: w.rps), 1.0, "at least Linux's"))
        out.append(Row(f"p50_ms_{label}", f"  latency p50, {conn}", "ms", "lower",
                       *pair(label, lambda w: w.p50_ms)))
        out.append(Row(f"p99_ms_{label}", f"  latency p99, {conn}", "ms", "lower",
                       *pair(label, lambda w: w.p99_ms)))

    def median(kind, i):
        samples = [b[i] for b in run.boots.get(kind, [])]
        return statistics.median(samples) if samples else None

    n = min(len(run.boots.get(k, [])) for k in KINDS)
    out.append(Row("create_to_first_answer_ms", f"xl create to first answer (median of {n})",
                   "ms", "lower", median("ukrt", 1), median("linux", 1), 0.2, "5x faster"))
    out.append(Row("xl_create_ms", "  of which xl create itself", "ms", "lower",
                   median("ukrt", 0), median("linux", 0)))
    out.append(Row("smallest_memory_mib", "smallest memory that serves", "MiB", "lower",
                   run.memory_min.get("ukrt"), run.memory_min.get("linux"), 0.25, "a quarter"))
    return out


def number(x):
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def table(rows_, markdown=False):
    """The rows as text lines: aligned columns, or a Markdown table."""
    head = ("figure", "unit", "better", "ukrt", "Linux", "ukrt/Linux", "goal (ratio)", "met")
    body = []
    for r in rows_:
        goal = f"{'>=' if r.better == 'higher' else '<='} {r.goal:g} ({r.goal_text})" \
            if r.goal is not None else ""
        met = {None: "", True: "yes", False: "no"}[r.met]
        body.append((r.name, r.unit, r.better, number(r.ukrt), number(r.linux),
                     number(r.ratio), goal, met))
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return lines + ["| " + " | ".join(c.strip() for c in row) + " |" for row in body]
    widths = [max(len(row[i]) for row in [head] + body) for i in range(len(head))]
    num = {3, 4, 5}

    def fmt(row):
        return "  ".join(c.rjust(w) if i in num else c.ljust(w)
                         for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()
    return [fmt(head)] + [fmt(row) for row in body]


def problems(run, loads):
    """What is missing or broken (each a sentence); empty when every figure came."""
    out = list(run.errors)
    for kind in KINDS:
        for label, _, _ in loads:
            w = run.wrk.get((kind, label))
            if w is None:
                out.append(f"{kind}: no wrk report for {label}")
            elif not isinstance(w, Wrk):
                out.append(f"{kind}, {label}: {w}")
            elif w.requests == 0:
                out.append(f"{kind}, {label}: wrk completed no request")
        if not run.boots.get(kind):
            out.append(f"{kind}: no create-to-answer sample")
        if kind not in run.memory_min:
            out.append(f"{kind}: no smallest memory")
    if not run.done and not run.errors:
        out.append("the dom0 script did not get to its end")
    return out


def notes(run, loads):
    """Things worth a line under the table: the script's notes, wrk's
    errors, the probes, the boot samples."""
    out = list(run.notes)
    for kind in KINDS:
        for label, _, _ in loads:
            w = run.wrk.get((kind, label))
            if isinstance(w, Wrk) and (w.socket_errors or w.non_2xx):
                out.append(f"{kind}, {label}: {w.socket_errors} socket errors, {w.non_2xx} "
                           "non-2xx answers")
        for memory, ok, why in run.probes.get(kind, []):
            out.append(f"{kind} at {memory} MiB: " + ("serves" if ok else f"does not serve ({why})"))
        tried = [m for m, _, _ in run.probes.get(kind, [])]
        if tried and run.memory_min.get(kind) == min(tried):
            out.append(f"{kind} served at the search's lowest step, {min(tried)} MiB: it may "
                       "serve with less")
        samples = run.boots.get(kind, [])
        if samples:
            out.append(f"{kind} xl create to first answer, ms: " +
                       ", ".join(f"{a:.0f} (create {c:.0f})" for c, a, _ in samples))
    return out


def as_json(run, loads, rows_):
    """The figures and what they came from, as a JSON-ready dict: each row
    (ukrt, Linux, ratio, goal and whether it is met), then every wrk run,
    boot sample and memory probe."""
    figures = {r.key: {"name": r.name.strip(), "unit": r.unit, "better": r.better,
                       "ukrt": r.ukrt, "linux": r.linux, "ratio": r.ratio,
                       "goal_ratio": r.goal, "goal": r.goal_text or None, "met": r.met}
               for r in rows_}
    wrk = {}
    for kind in KINDS:
        for label, conns, path in loads:
            w = run.wrk.get((kind, label))
            entry = {"connections": conns, "path": path}
            if isinstance(w, Wrk):
                entry.update(w._asdict(), mib_per_s=w.mib_per_s)
            else:
                entry["error"] = w or "no report"
            wrk.setdefault(kind, {})[label] = entry
    return {
        "figures": figures,
        "wrk": wrk,
        "boots": {k: [{"xl_create_ms": c, "first_answer_ms": a, "memory_mib": m}
                      for c, a, m in run.boots.get(k, [])] for k in KINDS},
        "memory_probes": {k: [{"memory_mib": m, "serves": ok, "why": why or None}
                              for m, ok, why in run.probes.get(k, [])] for k in KINDS},
        "smallest_memory_mib": {k: run.memory_min.get(k) for k in KINDS},
        "errors": run.errors,
    }
