# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""results.md (a table: each figure, its value, its baseline and the ratio) and the charts (PNG),
from results.json as bench.py writes it. A chart is drawn when its figures were measured."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  pylint: disable=wrong-import-position

BLUE, GREY, ORANGE = "#1f77b4", "#9e9e9e", "#ff7f0e"


def _value(entry):
    return "%g %s" % (entry["value"], entry["unit"])


def table(results):
    """The figures as Markdown table lines."""
    figures = results["figures"]
    lines = ["| figure | value | N | baseline | baseline value | ratio |", "|---|---|---|---|---|---|"]
    for name, entry in figures.items():
        base = entry.get("baseline")
        lines.append("| `%s` | %s | %s | %s | %s | %s |" % (
            name, _value(entry), entry.get("count", ""), "`%s`" % base if base else "",
            _value(figures[base]) if base in figures else "", "%.2f" % entry["ratio"] if entry.get("ratio") else ""))
        for other, ratio in (entry.get("also") or {}).items():
            other_value = _value(figures[other]) if other in figures else ""
            lines.append("| `%s` | | | `%s` | %s | %s |" % (name, other, other_value, "%.2f" % ratio if ratio else ""))
    return lines


def header(results):
    machine, versions = results["machine"], results["versions"]
    return ["Measured %s (%s mode%s, %.0f s) on %d CPUs (%s), %d MiB; k0s %s, Kubernetes %s, ansible-core %s, "
            "k0smotron.fleet %s." % (results["started"], results["mode"], ", quick" if results["quick"] else "",
                                     results["seconds"], machine["cpus"], machine["cpu_model"] or "unknown CPU",
                                     machine["memory_mib"], versions["k0s"], versions["kubernetes"],
                                     versions.get("ansible_core", "?"), versions["collection"])]


def write(results, output):
    """results.md and the charts into OUTPUT; the paths written."""
    written = []
    lines = ["# k0smotron.fleet benchmark", ""] + header(results) + [""] + table(results)
    if results.get("notes"):
        lines += ["", "Notes:", ""] + ["- %s" % n for n in results["notes"]]
    if results.get("failed"):
        lines += ["", "**The run stopped early:** %s" % results["failed"].splitlines()[0]]
    path = os.path.join(output, "results.md")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    written.append(path)
    for chart in (ready_chart, site_chart, tokens_chart, memory_chart, fleet_api_chart):
        drawn = chart(results["figures"], output)
        if drawn:
            written.append(drawn)
    return written


def _save(figure, output, name):
    path = os.path.join(output, name)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def ready_chart(figures, output):
    """Time to Ready of each control plane, for N = 1, 4, 8 at once (with cp_floor's samples)."""
    runs = [(name, figures[name]) for name in ("cp_parallel_1", "cp_parallel_4", "cp_parallel_8") if name in figures]
    if not runs:
        return None
    figure, axes = plt.subplots(figsize=(7, 4))
    labels, data = [], []
    if "cp_floor" in figures:
        labels.append("bare StatefulSet\n(cp_floor)")
        data.append(figures["cp_floor"]["samples"])
    if "cp_ready" in figures:
        labels.append("one, module\n(cp_ready)")
        data.append(figures["cp_ready"]["samples"])
    for name, entry in runs:
        labels.append("N=%s at once\n(%s)" % (name.rsplit("_", 1)[1], name))
        data.append(entry["ready_seconds"])
    axes.boxplot(data, showfliers=True)
    axes.set_xticks(range(1, len(labels) + 1), labels, fontsize=8)
    for index, samples in enumerate(data, start=1):
        axes.scatter([index] * len(samples), samples, s=12, color=BLUE, alpha=0.6, zorder=3)
    axes.set_ylabel("seconds from apply to Ready")
    axes.set_title("Time to Ready per control plane")
    axes.set_ylim(bottom=0)
    return _save(figure, output, "ready.png")


def site_chart(figures, output):
    """site.yml wall time against the number of fresh edge hosts (and a no-op and --check run)."""
    points = [(int(name.rsplit("_", 1)[1]), figures[name]["value"])
              for name in ("site_hosts_1", "site_hosts_2", "site_hosts_4") if name in figures]
    if not points:
        return None
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", color=BLUE, label="fresh hosts")
    for name, colour in (("site_noop", GREY), ("site_check", ORANGE)):
        if name in figures:
            axes.scatter([figures[name].get("count", 4)], [figures[name]["value"]], color=colour, label=name, zorder=3)
    axes.set_xlabel("edge hosts")
    axes.set_ylabel("site.yml wall time (s)")
    axes.set_xticks([p[0] for p in points])
    axes.set_ylim(bottom=0)
    axes.legend()
    axes.set_title("site.yml against hosts")
    return _save(figure, output, "site.png")


def tokens_chart(figures, output):
    """Join tokens per second: one batch call, one call per token, `k0s token create` by exec."""
    bars = [(label, figures[name]["tokens_per_second"]) for name, label in (
        ("tokens_500", "batch\n(one call)"), ("tokens_per_call_x500", "one call\nper token"),
        ("tokens_exec_x500", "k0s token create\nby exec")) if name in figures]
    if not bars:
        return None
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.bar([b[0] for b in bars], [b[1] for b in bars], color=[BLUE, GREY, ORANGE][:len(bars)])
    for index, (_label, value) in enumerate(bars):
        axes.annotate("%.1f/s" % value, (index, value), ha="center", va="bottom", fontsize=9)
    axes.set_ylabel("tokens per second")
    axes.set_yscale("log")
    axes.set_title("Join tokens per second")
    return _save(figure, output, "tokens.png")


def memory_chart(figures, output):
    """Working set of one idle control plane, tuned (the default) against untuned."""
    bars = [(label, figures[name]["value"]) for name, label in (
        ("cp_memory", "tuned (default)"), ("cp_memory_untuned", "untuned k0s")) if name in figures]
    if not bars:
        return None
    figure, axes = plt.subplots(figsize=(5, 4))
    axes.bar([b[0] for b in bars], [b[1] for b in bars], color=[BLUE, GREY][:len(bars)])
    for index, (_label, value) in enumerate(bars):
        axes.annotate("%.0f MiB" % value, (index, value), ha="center", va="bottom", fontsize=9)
    axes.set_ylabel("working set (MiB)")
    axes.set_title("Memory per idle control plane")
    return _save(figure, output, "memory.png")


def fleet_api_chart(figures, output):
    """The API-tier fleet figures beside their baselines (seconds)."""
    pairs = [(name, base) for name, base in (("declare_200", "declare_alone_x200"), ("declare_200_noop", None),
                                             ("cluster_info_200", "k8s_info_200"), ("tokens_500", "tokens_per_call_x500"))
             if name in figures]
    if not pairs:
        return None
    figure, axes = plt.subplots(figsize=(8, 4))
    labels, values, colours = [], [], []
    for name, base in pairs:
        for shown, colour in ((base, GREY), (name, BLUE)):
            if shown and shown in figures:
                labels.append(shown.replace("_x", "\nx").replace("_200", "\n200").replace("_500", "\n500"))
                values.append(figures[shown]["value"])
                colours.append(colour)
    axes.bar(labels, values, color=colours)
    axes.set_ylabel("seconds (log)")
    axes.set_yscale("log")
    axes.tick_params(axis="x", labelsize=7)
    axes.set_title("Fleet operations on the API tier (grey: baseline)")
    return _save(figure, output, "fleet_api.png")
