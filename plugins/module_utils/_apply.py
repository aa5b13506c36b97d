# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Dry run, compare, apply: the one way both engines change objects, and the record of what changed.

Every write goes through an ``Applier``: a server-side dry run tells what the object would
become; the two are compared as the engine sees them (``view``); only a difference is applied,
and not at all in check mode. Each change is recorded in the run's ``ChangeLog`` with the
before and after a diff may show (``show`` masks secrets), so that the runner, not the engine,
builds ``changed`` and ``diff``, and a failure after a write still reports ``changed``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._k8s_state import hidden_secret, strip_volatile


class Change:
    """One object changed (or, in check mode, to be changed): its label and what a diff shows."""

    def __init__(self, label, before, after):
        self.label = label
        self.before = before
        self.after = after


class ChangeLog:
    """What one module run changed, in order. ``written``: something was really written."""

    def __init__(self):
        self.changes = []
        self.written = False

    def record(self, label, before, after):
        self.changes.append(Change(label, before, after))

    @property
    def labels(self):
        return [change.label for change in self.changes]

    def diff(self, per_object=True, start=0):
        """``{"before": ..., "after": ...}`` of the changes (from the ``start``-th on): keyed by
        object label, or, with ``per_object=False``, the first object's own before and after (an
        engine whose whole state is one object)."""
        changes = self.changes[start:]
        if not per_object:
            first = changes[0] if changes else Change(None, {}, {})
            return dict(before=first.before or {}, after=first.after or {})
        before, after = {}, {}
        for change in changes:
            before[change.label] = change.before or {}
            if change.after is not None:
                after[change.label] = change.after
        return dict(before=before, after=after)


class Plan:
    """What an apply would do: the object as the dry run returned it, and whether it differs."""

    def __init__(self, resource, desired, current, planned, changed):
        self.resource = resource
        self.desired = desired
        self.current = current
        self.planned = planned
        self.changed = changed


def _label(obj):
    return "%s/%s" % (obj["kind"], obj["metadata"]["name"])


class Applier:
    """Changes objects through one API ``client``, recording each change in ``log``."""

    def __init__(self, client, log, check_mode=False, force=False):
        self.client = client
        self.log = log
        self.check_mode = check_mode
        self.force = force

    def plan(self, resource, obj, current=None, view=strip_volatile, show=None):
        """Dry-run ``obj``. Changed when there is no ``current`` object or ``view`` of the two differs;
        a change is recorded with ``show(view(...))`` of both sides (``view`` alone by default)."""
        planned = self.client.apply(resource, obj, dry_run=True, force=self.force)
        before, after = view(current), view(planned)
        changed = current is None or before != after
        if changed:
            shown = show or (lambda value: value)
            self.log.record(_label(obj), shown(before) if current is not None else {}, shown(after))
        return Plan(resource, obj, current, planned, changed)

    def commit(self, plan):
        """Apply a planned change; the live object (the prediction in check mode, or when unchanged)."""
        if not plan.changed:
            return plan.current
        if self.check_mode:
            return plan.planned
        live = self.client.apply(plan.resource, plan.desired, force=self.force)
        self.log.written = True
        return live

    def apply(self, resource, obj, current=None, secret=False):
        """Plan and commit ``obj`` (a Secret's values never shown); the live or predicted object."""
        return self.commit(self.plan(resource, obj, current, show=hidden_secret if secret else None))

    def create(self, resource, obj):
        """Create ``obj`` (never in check mode); its values are not shown."""
        self.log.record(_label(obj), {}, hidden_secret(obj) if obj.get("kind") == "Secret" else obj)
        if self.check_mode:
            return obj
        live = self.client.create(resource, obj)
        self.log.written = True
        return live

    def delete(self, resource, name, namespace=None, shown="present", propagation="Background"):
        """Delete an object (never in check mode); ``shown`` is what the diff says it was."""
        self.log.record("%s/%s" % (resource.kind, name), shown, None)
        if self.check_mode:
            return True
        deleted = self.client.delete(resource, name, namespace, propagation=propagation)
        self.log.written = True
        return deleted
