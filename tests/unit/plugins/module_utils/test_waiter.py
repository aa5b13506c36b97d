# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import WaitTimeout
from ansible_collections.k0smotron.fleet.plugins.module_utils._waiter import Waiter


class FakeClock:
    """Time that moves only when the waiter sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def make(timeout=30, sleep=5, messages=None):
    clock = FakeClock()
    progress = messages.append if messages is not None else None
    return Waiter(timeout, sleep, progress=progress, clock=clock.clock, sleeper=clock.sleep), clock


def test_returns_the_first_accepted_object_and_records_each_state_once():
    messages = []
    waiter, clock = make(messages=messages)
    states = iter([0, 0, 1, 1, 2])

    result = waiter.until("the thing", lambda: next(states), lambda n: (n == 2, "%d/2 ready" % n))

    assert result == 2
    assert [h["state"] for h in waiter.history] == ["0/2 ready", "1/2 ready", "2/2 ready"]
    assert [h["elapsed"] for h in waiter.history] == [0.0, 10.0, 20.0]
    assert waiter.elapsed == 20.0
    assert clock.sleeps == [5, 5, 5, 5]
    assert messages[0].startswith("waiting for the thing: 0/2 ready (0s so far, timeout 30s)")


def test_times_out_on_a_monotonic_deadline_naming_what_and_last_state():
    waiter, clock = make(timeout=12, sleep=5)

    with pytest.raises(WaitTimeout) as caught:
        waiter.until("Cluster edge/shop-1 to be ready", lambda: None, lambda obj: (False, "0/1 ready"))

    message = str(caught.value)
    assert "Timed out after 12s waiting for Cluster edge/shop-1 to be ready; last state: 0/1 ready." in message
    assert "wait_timeout" in message
    # The last sleep is cut to the deadline rather than overshooting it.
    assert clock.sleeps == [5, 5, 2]
    assert caught.value.details["wait_progress"] == [{"elapsed": 0.0, "state": "0/1 ready"}]


def test_zero_timeout_checks_once():
    waiter, clock = make(timeout=0)
    assert waiter.until("x", lambda: 1, lambda n: (True, "done")) == 1
    with pytest.raises(WaitTimeout):
        waiter.until("x", lambda: 1, lambda n: (False, "not done"))
    assert clock.sleeps == []


@pytest.mark.parametrize("timeout, sleep", [(-1, 5), (10, 0)])
def test_refuses_nonsense_settings(timeout, sleep):
    with pytest.raises(ValueError):
        Waiter(timeout, sleep)


def test_a_timeout_hint_points_only_at_what_is_there():
    waiter, _clock = make(timeout=0)
    with pytest.raises(WaitTimeout) as caught:
        waiter.until("x", lambda: 1, lambda n: (False, "no pods yet"))
    assert "diagnosis" not in str(caught.value)
    assert "last state: no pods yet" in str(caught.value)
    with pytest.raises(WaitTimeout) as caught:
        waiter.until("x", lambda: 1, lambda n: (False, "no pods yet"), hint="Check the operator.")
    assert str(caught.value).endswith("Check the operator.")


def test_seconds_is_the_time_now_not_at_the_last_poll():
    waiter, clock = make(timeout=30, sleep=5)
    seen = []

    def check(n):
        clock.now += 2  # the check itself takes time
        seen.append(waiter.seconds())
        return n >= 1, "%d" % n

    states = iter([0, 1])
    waiter.until("x", lambda: next(states), check)
    assert seen == [2.0, 9.0]
