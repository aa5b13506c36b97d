# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""docs/bad-inputs.md from tests/bad_inputs/table.yml: ``python tests/bad_inputs/render.py`` writes it,
and tests/unit/plugins/test_bad_inputs.py fails when the two differ."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, "table.yml")
DOC = os.path.join(HERE, "..", "..", "docs", "bad-inputs.md")
ENGINES = ["native", "k0smotron"]

HEADER = """# Bad inputs and how they are refused

<!-- Made from tests/bad_inputs/table.yml by `python tests/bad_inputs/render.py`; edit the table, not this file. -->

Every row is a bad input to a module or a role, and the words its refusal must contain: the option it
names and the fix it gives. `tests/unit/plugins/test_bad_inputs.py` runs each one (a module's rows with
each engine named, against the fake management cluster of the unit tests) and checks that it fails
before anything changes: no write to the management cluster or a hosted cluster's API, no file
written. A role's rows run its argument spec (`meta/argument_specs.yml`) or its own check task.

%d bad inputs: %s.

| Id | Where | Input | The message names | and says |
| --- | --- | --- | --- | --- |
"""


def load_rows(path=TABLE):
    with open(path) as stream:
        return yaml.safe_load(stream)


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _input(row):
    text = json.dumps(row["input"], sort_keys=False, separators=(", ", ": "))
    if row.get("before"):
        text += " (after %s)" % json.dumps(row["before"][0], separators=(", ", ": "))
    if row.get("control_planes"):
        text += " (control planes: %s)" % ", ".join(c["name"] for c in row["control_planes"])
    return "`%s`" % text.replace("`", "'")


def _where(row):
    if row.get("check"):
        return "%s (%s)" % (row["where"], "argument spec" if row["check"] == "argument_spec" else "its check")
    engines = row.get("engines") or ENGINES
    return "%s (%s)" % (row["where"], ", ".join(engines))


def markdown(rows):
    counts = []
    for row in rows:
        where = row["where"]
        if where not in [c[0] for c in counts]:
            counts.append([where, 0])
        [c for c in counts if c[0] == where][0][1] += 1
    lines = [HEADER % (len(rows), ", ".join("%d for %s" % (n, w) for w, n in counts))]
    for row in rows:
        lines.append("| %s |\n" % " | ".join(_cell(c) for c in (
            row["id"], _where(row), _input(row), row["option"], row["fix"])))
    return "".join(lines)


if __name__ == "__main__":
    with open(DOC, "w") as out:
        out.write(markdown(load_rows()))
    print("wrote %s" % os.path.normpath(DOC))
