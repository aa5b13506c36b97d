# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Times and durations as Kubernetes and k0s write them: RFC 3339 UTC, and Go durations."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError

_RFC3339 = "%Y-%m-%dT%H:%M:%SZ"
# Go durations, as `k0s token create --expiry` parses them (Go's time.ParseDuration). durationpy,
# which comes with the kubernetes client, parses a wider set: days, weeks and years ("1d"), and
# spaces between parts ("1h 30m"), all of which k0s refuses after the request was made; so the
# few lines below are kept rather than it.
_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_GO_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def format_time(moment):
    """An aware datetime as the API writes times (UTC, second precision); None stays None."""
    return moment.astimezone(datetime.timezone.utc).strftime(_RFC3339) if moment else None


def parse_time(text):
    """An RFC 3339 timestamp as the API writes them, as an aware datetime; None for none."""
    if not text:
        return None
    return datetime.datetime.strptime(text, _RFC3339).replace(tzinfo=datetime.timezone.utc)


def duration_text(seconds):
    """A whole number of seconds the way a user writes it: 90s, 10m, 2h."""
    if seconds < 60 or seconds % 60:
        return "%gs" % seconds
    if seconds < 3600 or seconds % 3600:
        return "%dm" % (seconds // 60)
    return "%dh" % (seconds // 3600)


def parse_go_duration(option, value, allow_zero=False, lives="a join token"):
    """Seconds in a Go duration string such as '1h30m'; zero only when ``allow_zero``. ``lives``: what
    the duration is the life of, for the refusal of zero."""
    text = (value or "").strip()
    position = len(text) if text == "0" else 0  # Go takes a bare 0, and no other number without unit
    seconds = 0.0
    for match in _GO_DURATION_PART.finditer(text):
        if match.start() != position:
            break
        seconds += float(match.group(1)) * _GO_DURATION_UNITS[match.group(2)]
        position = match.end()
    if not text or position != len(text):
        raise FleetError(
            "%s '%s' is not a duration." % (option, value),
            hint="Use a Go duration such as '30m', '1h' or '2h30m'.",
        )
    if seconds <= 0 and not allow_zero:
        if lives == "a join token":
            raise FleetError(
                "%s '%s' would make a token that never expires." % (option, value),
                hint="Give a positive duration such as '1h': a join token should live only as long as "
                     "the join takes.",
            )
        raise FleetError(
            "%s '%s' would make %s that never expires." % (option, value, lives),
            hint="Give a positive duration such as '24h'.",
        )
    return seconds
