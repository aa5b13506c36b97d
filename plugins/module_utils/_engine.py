# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The seam between the shared runner and an engine: what an engine is asked, and what it answers.

An engine (``_native.NativeEngine``, ``_k0smotron.K0smotronEngine``) knows how hosted control
planes are made and read; the runner (``_runner``) knows everything else: options, files, check
mode, diff and results. An engine takes the plain values below and returns plain dictionaries.
It never sees the Ansible module: what it may use of the run comes in its ``EngineContext``.

The contract, for engine authors:

* ``validate_cluster`` finds what the options alone say is wrong, before any API call;
* every write goes through ``context.applier()`` (dry run, compare, apply, recorded), so that
  ``changed``, ``diff`` and check mode are the runner's; an engine writes nothing in check mode;
* every secret value an engine reads or makes is passed to ``context.protect`` at once;
* an engine raises ``FleetError`` for anything a user can act on, and nothing else on purpose;
* waits use ``context.waiter()``, which reports progress and bounds the time; a control plane's
  own wait is a ``Watch`` the runner polls, so that many control planes are waited for together.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import abc
import time
from collections import namedtuple

from ansible_collections.k0smotron.fleet.plugins.module_utils._apply import Applier, ChangeLog
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._waiter import Waiter

# A control plane to declare or delete. ``options``: the cluster module's own options that were
# given (None for those left out), after the runner's checks.
ClusterRequest = namedtuple("ClusterRequest", "name namespace state options wait")
# Which control planes to describe.
ClusterQuery = namedtuple("ClusterQuery", "name namespace label_selectors health")
# One join token: ``name`` identifies it (one per host), ``expiry``/``renew_before`` in seconds,
# ``expiry_text`` as the user wrote it, ``dest`` the file it goes to (for its description only).
TokenRequest = namedtuple("TokenRequest", "cluster namespace name role expiry expiry_text renew_before force dest")
# An admin kubeconfig: ``validity``/``renew_before`` in seconds.
KubeconfigRequest = namedtuple("KubeconfigRequest", "cluster namespace validity renew_before wait")
# A backup of one control plane: ``datastore`` "include" (its datastore's rows too) or "skip" (its
# key material and settings only); ``workdir`` a private folder for what is too large to hold.
BackupRequest = namedtuple("BackupRequest", "cluster namespace datastore workdir")


class EngineContext:
    """What an engine may use of the run: the management API, check mode, masking, warnings, waits."""

    def __init__(self, client_factory, check_mode=False, protect=None, warn=None, progress=None,
                 wait_timeout=600, wait_sleep=5, hosted_api_url=None, request_timeout=30, force_conflicts=False,
                 clock=None):
        self._client_factory = client_factory
        self._client = None
        self.check_mode = check_mode
        self.protect = protect or (lambda value: None)
        self.warn = warn or (lambda text: None)
        self.progress = progress
        self.wait_timeout = wait_timeout
        self.wait_sleep = wait_sleep
        self.hosted_api_url = hosted_api_url
        self.request_timeout = request_timeout
        self.force_conflicts = force_conflicts
        self.clock = clock or time.monotonic
        self.changes = ChangeLog()

    @property
    def client(self):
        """The management cluster's API, connected on first use (after the options were checked)."""
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def applier(self, client=None):
        """The way to write objects through ``client`` (the management cluster's by default)."""
        return Applier(client or self.client, self.changes, self.check_mode, self.force_conflicts)

    def waiter(self, timeout=None, sleep=None):
        return Waiter(timeout=self.wait_timeout if timeout is None else timeout,
                      sleep=self.wait_sleep if sleep is None else sleep, progress=self.progress, clock=self.clock)


class Watch(abc.ABC):
    """What a wait for one control plane looks at: the runner polls many of these in one loop.

    ``what`` names it ("control plane edge/shop-1 to be ready"); ``hint`` is what a timeout suggests.
    """

    what = None
    hint = None

    @abc.abstractmethod
    def poll(self):
        """One look: ``(done, state)``, ``state`` a short text of where things stand."""

    def explain(self, timeout):
        """Add what stands in the way to ``timeout`` (a ``WaitTimeout``): message, hint, details."""

    def finish(self):
        """The facts to add to the result once done (the hosted API's health, for example)."""
        return {}


class Engine(abc.ABC):
    """An engine: one way of making hosted control planes. One instance serves one module run."""

    name = None
    # The cluster module's options only this engine has; the runner refuses them for the other.
    own_options = ()
    # Whether a cluster diff lists each object (native), or shows the one object that is the
    # whole declaration (k0smotron's Cluster).
    diff_per_object = True

    def __init__(self, context):
        self.context = context
        self._watches = {}

    def _expect(self, request, watch):
        """Remember what a wait for ``request`` looks at (None: nothing to wait for)."""
        self._watches[(request.namespace, request.name)] = watch

    def watch(self, request):
        """The ``Watch`` of the last ``apply_cluster``/``delete_cluster`` of ``request``, or None."""
        return self._watches.pop((request.namespace, request.name), None)

    @abc.abstractmethod
    def validate_cluster(self, request):
        """Raise ``FleetError`` for what this engine cannot do with the options of ``request``."""

    @abc.abstractmethod
    def apply_cluster(self, request):
        """Create or change the control plane, without waiting: the result's facts. What a wait
        would look at is left for ``watch(request)`` (nothing in check mode)."""

    @abc.abstractmethod
    def delete_cluster(self, request):
        """Delete the control plane, without waiting; ``watch(request)`` then watches it go."""

    @abc.abstractmethod
    def describe_clusters(self, query):
        """A summary of each control plane ``query`` names: a list of dictionaries."""

    @abc.abstractmethod
    def admin_kubeconfig(self, request):
        """``{"text": bytes, "server", "context", "secret", ...}``: an admin kubeconfig, or, in check
        mode before the control plane exists, ``{"text": None, "secret": ...}``."""

    @abc.abstractmethod
    def ensure_token(self, request, current_token):
        """The join token to write: ``current_token`` (what the file holds) when it still serves, else a
        new one. ``{"token", "minted", "token_id", "expires_at", "replaced_because"}``; in check mode a
        new token is only announced (``token`` None)."""

    def retire_replaced_tokens(self, request, outcome):
        """Called once the new token of ``outcome`` is written: revoke the ones it replaced."""

    @abc.abstractmethod
    def revoke_token(self, request, current_token):
        """Revoke the token(s) of ``request``: ``{"revoked": [...], "diff_before": {...}}``."""

    def export_control_plane(self, request):
        """What a backup of the control plane holds: ``{"members": {name: bytes}, "member_files":
        {name: path in request.workdir}, "manifest": {...}}`` (plain values; members are secret).
        Engines that cannot back up say so."""
        raise FleetError(
            "The %s engine cannot back up control planes yet (control plane '%s' in namespace '%s')." % (
                self.name, request.cluster, request.namespace),
            hint="Back up control planes of the native engine (engine: native), or back up the k0smotron "
                 "operator's objects and datastore with your own tools.")
