# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting with a monotonic deadline, and a record of what was waited for.

A module cannot print while it runs, so the waiter keeps a short history of the states it saw
(with the seconds elapsed at each change) that modules return as ``wait_progress``, and sends
each change to ``progress`` (the module's system log) as it happens.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import WaitTimeout


class Waiter:
    """Poll ``fetch`` until ``check`` says done, or fail when ``timeout`` seconds have passed.

    ``check(obj)`` returns ``(done, state)``: ``state`` is a short text saying where things
    stand ("1/1 ready, KubeconfigSecretAvailable=False"), recorded whenever it changes.
    """

    def __init__(self, timeout, sleep, progress=None, clock=None, sleeper=None):
        if timeout < 0:
            raise ValueError("timeout must not be negative")
        if sleep <= 0:
            raise ValueError("sleep must be positive")
        self.timeout = timeout
        self.sleep = sleep
        self._progress = progress
        self._clock = clock or time.monotonic
        self._sleeper = sleeper or time.sleep
        self.history = []
        self.elapsed = 0.0
        self._start = None

    def seconds(self):
        """Seconds since the current (or last) ``until`` began, read now: for checks that need
        the time as it is, not as it was at the previous poll."""
        return 0.0 if self._start is None else self._clock() - self._start

    def _record(self, what, elapsed, state):
        if self.history and self.history[-1]["state"] == state:
            return
        self.history.append({"elapsed": round(elapsed, 1), "state": state})
        if self._progress:
            self._progress("waiting for %s: %s (%ds so far, timeout %ds)" % (what, state, elapsed, self.timeout))

    # What a timeout suggests when the caller knows nothing more specific to say.
    HINT = "Raise wait_timeout if the site is slow; the last state above says what was still missing."

    def until(self, what, fetch, check, hint=None):
        """Return the first object ``fetch()`` gives that ``check`` accepts.

        Raises :class:`WaitTimeout` naming ``what`` and the last state seen, with ``hint`` (what
        to do about it) or the general one.
        """
        start = self._start = self._clock()
        deadline = start + self.timeout
        while True:
            obj = fetch()
            done, state = check(obj)
            now = self._clock()
            self.elapsed = now - start
            self._record(what, self.elapsed, state)
            if done:
                return obj
            remaining = deadline - now
            if remaining <= 0:
                raise WaitTimeout(
                    "Timed out after %ds waiting for %s; last state: %s." % (self.timeout, what, state),
                    hint=hint or self.HINT,
                    wait_progress=self.history,
                )
            self._sleeper(min(self.sleep, remaining))

    def until_all(self, what, watches):
        """Poll every watch in each round until all are done or ``timeout`` has passed, so that N
        waits take as long as the slowest, not N times as long. ``what`` names them all in the
        progress lines ("3 control planes").

        ``watches`` have ``what`` and ``poll() -> (done, state)``. Returns one entry per watch, in
        order: ``{"done", "state", "elapsed" (when it was seen done, or the time waited),
        "history"}``. Never raises for a watch that did not finish: the caller reports each one.
        """
        start = self._start = self._clock()
        deadline = start + self.timeout
        outcomes = [{"done": False, "state": None, "elapsed": 0.0, "history": []} for _watch in watches]
        while True:
            for watch, outcome in zip(watches, outcomes):
                if outcome["done"]:
                    continue
                done, state = watch.poll()
                elapsed = self._clock() - start
                outcome.update(done=done, state=state, elapsed=round(elapsed, 1))
                if not outcome["history"] or outcome["history"][-1]["state"] != state:
                    outcome["history"].append({"elapsed": round(elapsed, 1), "state": state})
            now = self._clock()
            self.elapsed = now - start
            pending = [w.what for w, o in zip(watches, outcomes) if not o["done"]]
            self._record(what, self.elapsed, "%d of %d done%s" % (
                len(watches) - len(pending), len(watches), ("; still waiting for " + pending[0] + (
                    " and %d more" % (len(pending) - 1) if len(pending) > 1 else "")) if pending else ""))
            if not pending or deadline - now <= 0:
                return outcomes
            self._sleeper(min(self.sleep, deadline - now))
