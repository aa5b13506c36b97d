# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``pod_security`` setting: how locked down a control plane's pod runs.

``strict`` (new control planes) is everything Pod Security ``restricted`` asks for that k0s v1.36
permits: the pod in a user namespace (``hostUsers: false``: root in the pod is an unprivileged user
on the node, which is what lets Pod Security waive ``runAsNonRoot``), no privilege escalation, every
capability dropped but one, seccomp ``RuntimeDefault``, a read-only root filesystem (k0s writes
only to its data volume and to the emptyDirs below). ``baseline`` is the same outside a user
namespace, for nodes or volumes that cannot give one (no idmapped mounts, as for many hostPath
directories). ``none``: the pod as the runtime makes it (what control planes made before this
setting keep, so that upgrading the collection restarts nothing).

The one capability is ``SETGID``, and it is why a ``restricted`` namespace refuses the pod (a
``baseline`` one admits it). k0s cannot run as a non-root user: it writes its admin kubeconfig
owned by uid 0 whatever user it runs as (k0s cmd/controller/certificates.go, ``kubeConfig(...,
users.RootUID, ...)``, whose atomic write fails on the chown, internal/pkg/file/atomic.go), which
a non-root process may not do. Running as root (in the user namespace), k0s starts each
component with explicit credentials (pkg/supervisor/detachattr_linux.go: a
``syscall.Credential`` whenever the effective uid is 0), and Go's fork/exec then calls
``setgroups``, which needs ``CAP_SETGID``. Without it every component fails with "operation not
permitted" (seen on the lab with k0s v1.36.3).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

LEVELS = ("strict", "baseline", "none")

# The capability k0s needs, as root, to start its components (see above).
KEPT_CAPABILITIES = ("SETGID",)

# Where k0s and the start script write besides the data volume: /tmp, the rendered configuration,
# and k0s's run directory (sockets and pid files; as root k0s puts it at /run/k0s, and an emptyDir
# there also clears stale sockets at each start).
WRITABLE_DIRS = (("tmp", "/tmp"), ("runtime", "/run/k0smotron-fleet"), ("k0s-run", "/run/k0s"))


def hardened(spec):
    return spec.get("pod_security") in ("strict", "baseline")


def secure_pod(spec, pod_spec):
    """Put the pod-level fields of the level into ``pod_spec``."""
    if not hardened(spec):
        return
    pod_spec["securityContext"] = {"seccompProfile": {"type": "RuntimeDefault"}}
    if spec["pod_security"] == "strict":
        pod_spec["hostUsers"] = False


def secure_container(spec, container):
    """Put the container-level fields of the level into ``container``."""
    if not hardened(spec):
        return
    container["securityContext"] = {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"], "add": list(KEPT_CAPABILITIES)},
    }


def writable_volumes(spec):
    if not hardened(spec):
        return []
    return [{"name": name, "emptyDir": {}} for name, _path in WRITABLE_DIRS]


def writable_mounts(spec):
    if not hardened(spec):
        return []
    return [{"name": name, "mountPath": path} for name, path in WRITABLE_DIRS]


def container_env(spec):
    """``k0s kubectl`` in the probes keeps its cache under HOME; on a read-only root it is /tmp."""
    if not hardened(spec):
        return []
    return [{"name": "HOME", "value": "/tmp"}]


def default_level(spec):
    """The level of a new control plane that names none: ``strict``, but ``baseline`` with a hostPath
    directory, which seldom supports the idmapped mounts a user namespace needs (on the lab's node
    it does not: runc fails with "failed to set MOUNT_ATTR_IDMAP")."""
    return "baseline" if spec["persistence"]["type"] == "hostPath" else "strict"
