#!/usr/bin/env python3
"""bench/phases.php on several prepared copies of one app, side by side with the ceiling.

Each round runs bench/ceiling.php (CPU per request) and `phases.php ... ceiling` once, then,
for each app in turn (the order alternating round by round), `phases.php` and
`phases.php ... loop`. Prints the median over the rounds of every figure, with its range.
The apps are copies of a prepared example whose vendor/laravels-rs/laravels link points at
the package version to compare (a `git archive` of a commit, or the working tree):

    python3 bench/phases_ab.py --app base=/tmp/app-base --app new=/tmp/app-new \\
        --ext target/release/liblaravels.so --rounds 6 --requests 20000
    # in a PHP root (Laravel 13):
    python3 bench/phases_ab.py --php "scripts/php-root.sh exec laravel13 php" --app ...
"""
from __future__ import annotations

import argparse
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIGURE = re.compile(r"\s+(.+?)\s+([\d.]+)(?:\s+[\d.]+)?$")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--app", action="append", required=True, metavar="NAME=DIR")
    ap.add_argument("--php", default="php", help="the PHP command (default: php)")
    ap.add_argument("--ext", required=True, help="the extension to load")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--uri", default="/api/hello")
    ap.add_argument("--ceiling-seconds", default="4")
    ap.add_argument("--no-ceiling", action="store_true", help="skip the ceiling (Lumen has no HTTP kernel for it)")
    args = ap.parse_args()
    apps = dict(a.split("=", 1) for a in args.app)
    php = shlex.split(args.php) + ["-d", "opcache.enable=1", "-d", "opcache.enable_cli=1", "-d", "memory_limit=512M", "-d", f"extension={args.ext}"]
    phases = str(HERE / "phases.php")
    first = next(iter(apps.values()))
    figures: dict[str, dict[str, list[float]]] = {}

    def run(*argv: str) -> str:
        done = subprocess.run(php + list(argv), capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def note(column: str, label: str, value: float) -> None:
        figures.setdefault(label, {}).setdefault(column, []).append(value)

    for r in range(args.rounds):
        load = Path("/proc/loadavg").read_text().split()[0]
        if not args.no_ceiling:
            rps, cpu = run(str(HERE / "ceiling.php"), first, args.uri, args.ceiling_seconds, "cpu").split()
            note("ceiling", "ceiling.php: CPU µs per request", float(cpu))
            for line in run(phases, first, str(args.requests), args.uri, "ceiling").splitlines()[1:]:
                if m := FIGURE.match(line):
                    note("ceiling", m.group(1), float(m.group(2)))
        for name in apps if r % 2 == 0 else reversed(apps):
            for line in run(phases, apps[name], str(args.requests), args.uri).splitlines()[1:]:
                if m := FIGURE.match(line):
                    note(name, m.group(1), float(m.group(2)))
            m = re.search(r"median ([\d.]+), mean ([\d.]+)", run(phases, apps[name], str(args.requests), args.uri, "loop"))
            note(name, "WorkerLoop::run, per request", float(m.group(1)))
        print(f"round {r + 1}/{args.rounds} done {time.strftime('%H:%M:%S')} (load {load} at its start)", file=sys.stderr)

    columns = [*([] if args.no_ceiling else ["ceiling"]), *apps]
    print(f"{args.uri}, µs per request, median of {args.rounds} rounds [range]")
    print(f"{'':44s}" + "".join(f"{c:>24s}" for c in columns))
    for label, by in figures.items():
        cells = [f"{statistics.median(by[c]):8.2f} [{min(by[c]):.1f}-{max(by[c]):.1f}]" if c in by else "" for c in columns]
        print(f"{label:44s}" + "".join(f"{c:>24s}" for c in cells))


if __name__ == "__main__":
    main()
