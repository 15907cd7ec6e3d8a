"""`make bench-disk`'s reading of its dom0 script (ci/xl/bench-disk.sh):
each guest's console between "bench: run KIND N begin" and "bench: run
end how=... create_ms=... total_ms=...", and in it the lines of the
benchmark program (ci/apps/disk-bench), turned into figures for ukrt and
Linux with their ratio and the issue's goal.

The program's lines: "disk-bench: start ...", "disk-bench: write ...",
"disk-bench: drop-caches before=PHASE done=yes|no [reason=...]",
"disk-bench: read ...", "disk-bench: random ...", "disk-bench: fsync ...",
"disk-bench: done bad=N status=N" and "disk-bench: error what=... reason=...";
the Linux guest's script adds "disk-bench: blockstat ..." (its xvda's
/sys/block counters) and "disk-bench: mount ...", ukrt's runtime its
"uk-stats: ..." line (with uk.stats), and both end with "uk-exit: status=N".
Several rounds give the median of each figure.
"""
import re
import statistics
from typing import NamedTuple, Optional

from .benchnet import KINDS, Row, fields, number, table  # noqa: F401  (table, number: for callers)

PREFIX = "bench: "
PROGRAM = "disk-bench: "
PHASES = ("start", "write", "read", "random", "fsync", "done", "blockstat", "mount")


class Guest(NamedTuple):
    """One guest's run: how it ended ("gone", "crashed", "timeout"), the
    create and total times in ms, the program's phases (name → fields),
    the drop-caches lines (phase → (done, reason)), errors, its exit status
    (None: no uk-exit line), the uk-stats fields, and the console's last lines."""
    kind: str
    round: int
    how: str
    create_ms: Optional[float]
    total_ms: Optional[float]
    phases: dict
    drops: dict
    errors: list
    exit_status: Optional[int]
    stats: dict
    tail: list


def read_console(kind, rnd, lines, end_fields):
    phases, drops, errors, stats = {}, {}, [], {}
    status = None
    for line in lines:
        s = line.strip()
        # xenconsoled may prefix nothing; the program's line can follow other text.
        i = s.find(PROGRAM)
        if i >= 0:
            rest = s[i + len(PROGRAM):]
            word, _, tail = rest.partition(" ")
            f = fields(tail)
            if word == "drop-caches":
                drops[f.get("before", "?")] = (f.get("done") == "yes", f.get("reason", ""))
            elif word == "error":
                errors.append(f"{f.get('what', '?')}: {f.get('reason', tail)}")
            elif word in PHASES:
                phases[word] = f
            continue
        m = re.match(r"^uk-exit: status=(\d+)", s)
        if m:
            status = int(m.group(1))
        elif s.startswith("uk-exit: crashed"):
            errors.append("the guest crashed (uk-exit: crashed)")
        elif s.startswith("uk-stats:"):
            stats = fields(s[len("uk-stats:"):])

    def num(key):
        try:
            return float(end_fields[key])
        except (KeyError, ValueError):
            return None
    return Guest(kind, rnd, end_fields.get("how", "?"), num("create_ms"), num("total_ms"), phases,
                 drops, errors, status, stats, [x for x in lines if x.strip()][-20:])


class Run:
    """What the script reported: guests (in order), the script's own
    errors (with the console lines after them), done: it got to its end."""

    def __init__(self):
        self.guests = []
        self.errors = []
        self.done = False

    def of(self, kind):
        return [g for g in self.guests if g.kind == kind]


def parse(lines):
    """The Run that the script's output lines tell."""
    run = Run()
    block = None  # (kind, round, lines)
    for line in lines:
        if block is not None and not line.startswith(PREFIX + "run end"):
            block[2].append(line)
            continue
        if not line.startswith(PREFIX):
            continue
        what = line[len(PREFIX):]
        word = what.split()
        if block is not None:
            run.guests.append(read_console(block[0], block[1], block[2], fields(what)))
            block = None
        elif word[:1] == ["run"] and word[-1:] == ["begin"] and len(word) == 4:
            block = (word[1], int(word[2]) if word[2].isdigit() else 0, [])
        elif what.startswith(("error:", "console:")):
            run.errors.append(what)
        elif what.startswith("done"):
            run.done = True
    if block is not None:
        run.errors.append(f"error: {block[0]} round {block[1]}: its console has no end line")
    return run


# (key, name, unit, better, phase, field, goal ratio, goal wording)
FIGURES = [
    ("write_mb_per_s", "sequential write + fsync", "MB/s", "higher", "write", "mb_per_s", 1.0,
     "at least Linux's"),
    ("read_mb_per_s", "sequential read (caches dropped)", "MB/s", "higher", "read", "mb_per_s",
     1.0, "at least Linux's"),
    ("random_iops", "4 KiB random reads", "IOPS", "higher", "random", "iops", 1.0,
     "at least Linux's"),
    ("fsync_p50_ms", "write 4 KiB + fsync, p50", "ms", "lower", "fsync", "p50_ms", None, ""),
    ("fsync_p99_ms", "write 4 KiB + fsync, p99", "ms", "lower", "fsync", "p99_ms", None, ""),
]


def figure(guests, phase, key):
    """The median over the guests' runs of one figure (None: none had it)."""
    vals = []
    for g in guests:
        try:
            vals.append(float(g.phases[phase][key]))
        except (KeyError, ValueError):
            pass
    return statistics.median(vals) if vals else None


def rows(run):
    """The table's rows (benchnet.Row: ratio and met as there)."""
    n = min(len(run.of(k)) for k in KINDS)
    suffix = f" (median of {n})" if n > 1 else ""
    return [Row(key, name + suffix, unit, better, figure(run.of("ukrt"), phase, field),
                figure(run.of("linux"), phase, field), goal, goal_text)
            for key, name, unit, better, phase, field, goal, goal_text in FIGURES]


def problems(run):
    """What is missing or broken (each a sentence); empty when every figure came."""
    out = list(run.errors)
    for kind in KINDS:
        guests = run.of(kind)
        if not guests:
            out.append(f"{kind}: no run")
        for g in guests:
            who = f"{kind} round {g.round}"
            if g.how != "gone":
                out.append(f"{who}: the domain ended as '{g.how}' after {g.total_ms} ms")
            out += [f"{who}: {e}" for e in g.errors]
            missing = [p for p in ("write", "read", "random", "fsync", "done")
                       if p not in g.phases]
            if missing:
                out.append(f"{who}: no {', '.join(missing)} line")
            bad = g.phases.get("done", {}).get("bad", "0")
            if bad != "0":
                out.append(f"{who}: {bad} blocks read back wrong")
            if g.exit_status not in (None, 0):
                out.append(f"{who}: exit status {g.exit_status}")
            elif g.exit_status is None and g.how == "gone":
                out.append(f"{who}: no uk-exit line")
    if not run.done and not run.errors:
        out.append("the dom0 script did not get to its end")
    return out


def block_requests(g):
    """The block requests the guest sent, per MiB moved, when it counted them:
    ukrt's uk-stats (blk_requests), Linux's /sys/block/xvda/stat (reads +
    writes + flushes). (requests, sectors read, sectors written) or None."""
    if g.kind == "ukrt" and "blk_requests" in g.stats:
        s = g.stats
        return (int(s["blk_requests"]), int(s.get("blk_sectors_read", 0)),
                int(s.get("blk_sectors_written", 0)))
    b = g.phases.get("blockstat")
    if b and "reads" in b:
        return (int(b["reads"]) + int(b["writes"]) + int(b.get("flushes", 0)),
                int(b["read_sectors"]), int(b["write_sectors"]))
    return None


def notes(run):
    """Lines worth having under the table: per run, how long it took, how the
    caches were dropped, the random and fsync phases' counts, block requests."""
    out = []
    for g in run.guests:
        who = f"{g.kind} round {g.round}"
        total = f"{g.total_ms / 1e3:.0f} s" if g.total_ms is not None else "?"
        out.append(f"{who}: xl create to the domain gone {total} (xl create "
                   f"{number(g.create_ms)} ms), ended: {g.how}")
        for phase, (done, reason) in g.drops.items():
            out.append(f"{who}: caches before {phase}: " +
                       ("dropped (/proc/sys/vm/drop_caches)" if done else
                        f"not dropped ({reason or 'no reason given'})"))
        w = g.phases.get("write")
        if w:
            out.append(f"{who}: write {w.get('write_s')} s + fsync {w.get('fsync_s')} s")
        r = g.phases.get("random")
        if r:
            out.append(f"{who}: {r.get('reads')} random reads in {r.get('seconds')} s "
                       f"(ended by {r.get('ended_by')}, fadvise {r.get('fadvise')})")
        f = g.phases.get("fsync")
        if f:
            out.append(f"{who}: {f.get('count')} fsyncs in {f.get('seconds')} s (ended by "
                       f"{f.get('ended_by')}), mean {f.get('mean_ms')} ms, max {f.get('max_ms')} ms")
        req = block_requests(g)
        if req:
            sectors = req[1] + req[2]
            per = sectors * 512 / req[0] if req[0] else 0
            out.append(f"{who}: {req[0]} block requests for {sectors * 512 / 2**20:.0f} MiB "
                       f"({per / 1024:.1f} KiB a request on average)")
        m = g.phases.get("mount")
        if m:
            out.append(f"{who}: mount {' '.join(f'{k}={v}' for k, v in m.items())}")
    return out


def as_json(run, rows_):
    """The figures and every run's fields, as a JSON-ready dict."""
    return {
        "figures": {r.key: {"name": r.name, "unit": r.unit, "better": r.better, "ukrt": r.ukrt,
                            "linux": r.linux, "ratio": r.ratio, "goal_ratio": r.goal,
                            "goal": r.goal_text or None, "met": r.met} for r in rows_},
        "runs": [{"kind": g.kind, "round": g.round, "how": g.how, "create_ms": g.create_ms,
                  "total_ms": g.total_ms, "phases": g.phases,
                  "drop_caches": {p: {"done": d, "reason": r or None}
                                  for p, (d, r) in g.drops.items()},
                  "errors": g.errors, "exit_status": g.exit_status, "uk_stats": g.stats,
                  "block_requests": block_requests(g)} for g in run.guests],
        "errors": run.errors,
    }
