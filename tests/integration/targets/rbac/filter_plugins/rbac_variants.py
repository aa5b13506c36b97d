# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rbac target's Role variants: an engine's Role's rules with one verb of one resource taken away,
and the verdict on how each engine's lifecycle went with them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re


def rbac_variants(rules, engine="native"):
    """One variant per (resource, verb) the rules grant, in their order: ``{"id", "engine",
    "resource" (as RBAC and the modules' messages name it), "verb", "rules"}``. The ids of
    another engine than native start with its name (they name ServiceAccounts in one namespace)."""
    prefix = "" if engine == "native" else engine + "-"
    variants = []
    for number, rule in enumerate(rules):
        groups = rule.get("apiGroups") or [""]
        for resource in rule["resources"]:
            for verb in rule["verbs"]:
                others = copy.deepcopy(rules[:number]) + copy.deepcopy(rules[number + 1:])
                rest = [r for r in rule["resources"] if r != resource]
                if rest:
                    others.append(dict(rule, resources=rest))
                verbs = [v for v in rule["verbs"] if v != verb]
                if verbs:
                    others.append(dict(rule, resources=[resource], verbs=verbs))
                full = resource if groups == [""] else "%s.%s" % (resource, groups[0])
                variants.append(dict(id="%s%s-%s" % (prefix, resource, verb), engine=engine, resource=full, verb=verb,
                                     rules=others))
    return variants


def rbac_grants(rules):
    """The (resource, verb) pairs that ``rules`` grant, as "resource/verb" strings, sorted."""
    return sorted(set("%s/%s" % (resource, verb) for rule in rules for resource in rule["resources"]
                      for verb in rule["verbs"]))


def rbac_steps(steps):
    """What each step that ran said: ``[{"name", "failed", "msg", "api_endpoint", "clusters", "warnings"}]``."""
    said = []
    for step in steps:
        result = step["result"] or {}
        if result.get("skipped"):
            continue
        said.append(dict(name=step["name"], failed=bool(result.get("failed")), msg=str(result.get("msg") or ""),
                         api_endpoint=result.get("api_endpoint") or "",
                         clusters=[c.get("name") for c in result.get("clusters") or []],
                         warnings=[str(w) for w in result.get("warnings") or []]))
    return said


def _forbidden(steps):
    return [s for s in steps if "Forbidden:" in s["msg"]]


def _names(message, verb, resource):
    return re.search(r"may not '%s' %s( |$)" % (re.escape(verb), re.escape(resource)), message) is not None


def _native_problems(steps, cp, namespace, port):
    """What differs from the native lifecycle with every right: only the clash and the wait fail, as they must."""
    by_name = dict((s["name"], s) for s in steps)
    expected = ["create", "clash", "wait", "info", "kubeconfig", "policy", "policy_off", "delete", "orphan"]
    problems = []
    if [s["name"] for s in steps] != expected:
        problems.append("steps %s ran, not %s" % ([s["name"] for s in steps], expected))
    for name in ("create", "info", "kubeconfig", "policy", "policy_off", "delete", "orphan"):
        if by_name.get(name, {}).get("failed"):
            problems.append("%s failed: %s" % (name, by_name[name]["msg"]))
    holder = "%s (Service %s/kmc-%s, port api)" % (port, namespace, cp)
    if holder not in by_name.get("clash", {}).get("msg", ""):
        problems.append("clash did not name %s: %s" % (holder, by_name.get("clash", {}).get("msg")))
    if "Diagnosis:" not in by_name.get("wait", {}).get("msg", ""):
        problems.append("wait did not time out with a diagnosis: %s" % by_name.get("wait", {}).get("msg"))
    if cp not in by_name.get("info", {}).get("clusters", []):
        problems.append("cluster_info did not list %s" % cp)
    return problems


def _k0smotron_problems(steps, cp):
    """What differs from the k0smotron lifecycle with every right: only the two waits for the operator
    fail (the test plays it between steps), and the token is reused after it was checked in the
    hosted cluster."""
    by_name = dict((s["name"], s) for s in steps)
    expected = ["create", "change", "wait", "info", "kubeconfig", "token", "token_again", "revoke", "delete"]
    problems = []
    if [s["name"] for s in steps] != expected:
        problems.append("steps %s ran, not %s" % ([s["name"] for s in steps], expected))
    for name in ("create", "change", "info", "kubeconfig", "token_again", "revoke", "delete"):
        if by_name.get(name, {}).get("failed"):
            problems.append("%s failed: %s" % (name, by_name[name]["msg"]))
    if "Diagnosis:" not in by_name.get("wait", {}).get("msg", ""):
        problems.append("wait did not time out with a diagnosis: %s" % by_name.get("wait", {}).get("msg"))
    if "waiting for k0smotron to mint" not in by_name.get("token", {}).get("msg", ""):
        problems.append("token did not wait for the operator to mint: %s" % by_name.get("token", {}).get("msg"))
    if cp not in by_name.get("info", {}).get("clusters", []):
        problems.append("cluster_info did not list %s" % cp)
    unchecked = [w for w in by_name.get("token_again", {}).get("warnings", []) if "could not be checked" in w]
    if unchecked:
        problems.append("token_again did not check the token in the hosted cluster: %s" % unchecked[0])
    return problems


def rbac_verdict(case_vars, namespace):
    """``{"line", "problem"}``: how a case went, and what is wrong with that ('' when nothing)."""
    case = case_vars.get("rbac_case") or {}
    steps = case_vars.get("rbac_steps")
    if steps is None:
        return dict(line="%s: did not run" % case.get("id"), problem="%s: did not run to the end" % case.get("id"))
    index = int(case_vars["rbac_index"])
    cp, port = "rb-%d" % index, 30200 + 2 * index
    user = "system:serviceaccount:%s:rb-%s" % (namespace, case["id"])
    forbidden = _forbidden(steps)
    problems = []
    if case.get("nodes"):
        step = steps[0] if steps else dict(name="nodes", failed=True, msg="(no result)", api_endpoint="")
        if case.get("verb"):
            if not (step["failed"] and _names(step["msg"], "list", "nodes") and user in step["msg"]):
                problems.append("expected a refusal naming 'list' nodes and %s: %s" % (user, step["msg"]))
            line = "%s: %s" % (case["id"], step["msg"][:160])
        else:
            if step["failed"] or not step["api_endpoint"].startswith("https://192.0.2.77:"):
                problems.append("expected an endpoint on the node's address: %s %s" % (step["msg"], step["api_endpoint"]))
            line = "%s: endpoint %s" % (case["id"], step["api_endpoint"])
    elif not case.get("verb"):
        problems.extend("Forbidden in %s: %s" % (s["name"], s["msg"]) for s in forbidden)
        if case.get("engine", "native") == "k0smotron":
            problems.extend(_k0smotron_problems(steps, cp))
        else:
            problems.extend(_native_problems(steps, cp, namespace, port))
        line = "%s: lifecycle as with the whole Role" % case["id"]
    else:
        if not forbidden:
            problems.append("nothing failed without '%s' %s: the Role grants a right the modules do not use"
                            % (case["verb"], case["resource"]))
        for step in forbidden:
            if not _names(step["msg"], case["verb"], case["resource"]) or user not in step["msg"]:
                problems.append("%s failed on another right, or not naming '%s' %s and %s: %s" % (
                    step["name"], case["verb"], case["resource"], user, step["msg"]))
        line = "%s: refused in %s" % (case["id"], ", ".join(s["name"] for s in forbidden) or "(nothing)")
    return dict(line=line, problem="; ".join("%s: %s" % (case.get("id"), p) for p in problems))


def rbac_control_planes(count, engine="native"):
    """Every control plane the cases may have made with ``engine``, as ``clusters`` entries of the
    cluster module."""
    suffixes = ("", "-b", "-o") if engine == "native" else ("",)
    return [dict(name="rb-%d%s" % (index, suffix)) for index in range(int(count)) for suffix in suffixes]


class FilterModule(object):

    def filters(self):
        return {"rbac_variants": rbac_variants, "rbac_grants": rbac_grants, "rbac_steps": rbac_steps,
                "rbac_verdict": rbac_verdict, "rbac_control_planes": rbac_control_planes}
