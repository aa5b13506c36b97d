# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""k0smotron.fleet's benchmark: how fast, how it grows and what it costs, each figure beside a
baseline measured in the same run, reported as a ratio, with charts.

    bench.py api [--quick]   make bench-api: the real kube-apiserver tiers, no k0s (api_figures.py)
    bench.py lab [--quick]   make bench: real k0s on the lab (lab_figures.py), then the API figures
    --only GROUP             some figures only (ready, parallel, memory, site, api), e.g. while working on one

Writes OUTPUT/results.json, OUTPUT/results.md, charts (PNG) and one log per step in OUTPUT/logs;
OUTPUT is tests/output/bench (tests/output/bench-quick with --quick, so that make test's quick run
never overwrites a real one). Progress lines say which figure runs and for how long so far.
Nothing here is a test: no figure is compared with a limit."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import api_figures  # noqa: E402  pylint: disable=wrong-import-position
import report  # noqa: E402  pylint: disable=wrong-import-position
from harness import REPO, Bench, BenchError  # noqa: E402  pylint: disable=wrong-import-position

TIER = os.path.join(REPO, "tests", "bench", "api_tier.sh")


def api_tier(bench):
    """Start the benchmark's API tier; its environment (BENCH_KUBECONFIG, hosted.sh's variables)."""
    with bench.step("API tier", "a real kube-apiserver and etcd (tests/apiserver)"):
        done = bench.run([TIER, "up"], "api-tier")
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)


def measure_api(bench):
    tier_env = api_tier(bench)
    try:
        api_figures.run(bench, tier_env)
    finally:
        bench.run([TIER, "down"], "api-tier", check=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("mode", choices=["api", "lab"])
    parser.add_argument("--quick", action="store_true", help="small N, few samples: the harness, not the figures")
    parser.add_argument("--only", action="append", choices=["ready", "parallel", "memory", "site", "api"],
                        help="measure only these groups of figures (repeatable): for work on one figure")
    parser.add_argument("--output", help="where the results go (default tests/output/bench[-quick])")
    args = parser.parse_args(argv)
    output = args.output or os.path.join(REPO, "tests", "output", "bench-quick" if args.quick else "bench")
    os.makedirs(output, exist_ok=True)
    bench = Bench(output, args.mode, args.quick)
    bench.say("%s benchmark%s; results in %s" % (args.mode, " (quick)" if args.quick else "", output))
    failed = None
    try:
        if args.mode == "lab":
            import lab_figures  # pylint: disable=import-outside-toplevel
            groups = [g for g in args.only if g != "api"] if args.only else list(lab_figures.GROUPS)
            if groups:
                lab_figures.run(bench, groups)
        if not args.only or "api" in args.only:
            measure_api(bench)
    except (BenchError, subprocess.SubprocessError, OSError, KeyError, ValueError) as exc:
        failed = exc
        bench.say("FAILED: %s" % exc)
    finally:
        bench.close()
    results = bench.results()
    if failed:
        results["failed"] = str(failed)
    with open(os.path.join(output, "results.json"), "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1)
    written = report.write(results, output)
    for line in report.table(results):
        print(line)
    bench.say("results: %s" % ", ".join([os.path.join(output, "results.json")] + written))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
