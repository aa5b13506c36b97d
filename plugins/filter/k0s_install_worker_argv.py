# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The k0s_install_worker_argv filter: the command line of `k0s install worker` for one host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

_NAME = "k0s_install_worker_argv"


def _mapping(option, value):
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AnsibleFilterError("%s: %s must be a dictionary, got %s" % (_NAME, option, type(value).__name__))
    return value


def _list(option, value):
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
        raise AnsibleFilterError("%s: %s must be a list, got %s" % (_NAME, option, type(value).__name__))
    return [str(element) for element in value]


def _text(option, value):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise AnsibleFilterError("%s: %s must be a string, got %s" % (_NAME, option, type(value).__name__))
    return value


def _pairs(mapping):
    """KEY=VALUE for each entry, in the mapping's order."""
    return ["%s=%s" % (key, value) for key, value in mapping.items()]


def k0s_install_worker_argv(k0s, token_file, data_dir, labels=None, taints=None, kubelet_extra_args="",
                            profile="", environment=None, extra_args=None):
    """``k0s install worker`` with the flags a host's settings ask for; empty settings add no flag."""
    for option, value in (("the k0s path (the input)", k0s), ("token_file", token_file), ("data_dir", data_dir)):
        if not isinstance(value, str) or not value:
            raise AnsibleFilterError("%s: %s must be a non-empty string, got %r" % (_NAME, option, value))
    labels = _mapping("labels", labels)
    environment = _mapping("environment", environment)
    taints = _list("taints", taints)
    extra_args = _list("extra_args", extra_args)
    kubelet_extra_args = _text("kubelet_extra_args", kubelet_extra_args)
    profile = _text("profile", profile)

    argv = [k0s, "install", "worker", "--token-file", token_file, "--data-dir", data_dir]
    if labels:
        argv += ["--labels", ",".join(_pairs(labels))]
    if taints:
        argv += ["--taints", ",".join(taints)]
    if kubelet_extra_args:
        argv += ["--kubelet-extra-args", kubelet_extra_args]
    if profile:
        argv += ["--profile", profile]
    for pair in _pairs(environment):
        argv += ["-e", pair]
    return argv + extra_args


class FilterModule(object):

    def filters(self):
        return {_NAME: k0s_install_worker_argv}
