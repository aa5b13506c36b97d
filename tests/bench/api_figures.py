# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The figures measured on the real kube-apiserver tiers, where no k0s is needed (make bench-api):

    declare_200        N control planes declared through the role, not waited for   vs declare_alone_x200
    declare_200_noop   the same N again                                             vs declare_200
    cluster_info_200   cluster_info over the N                                      vs k8s_info_200
    tokens_500         join tokens minted in one batch call (the hosted API tier)   vs tokens_per_call_x500

N is 200 (10 in quick mode), the tokens 500 (20); the figures keep their names in quick mode,
and say their N ("count")."""

from __future__ import annotations

import base64
import os

import kubernetes

from harness import median

NAMESPACE = "bench"
VERSION = "v1.36.3+k0s.2"
# ECDSA keys: the figures are the API's and the module's, not RSA key generation's.
DEFAULTS = {"version": VERSION, "pki": {"key_type": "ecdsa", "key_size": 256}}


def sizes(quick):
    return dict(count=10, alone=3, reads=2, tokens=20, per_call=5) if quick else \
        dict(count=200, alone=5, reads=3, tokens=500, per_call=50)


def role_vars(kubeconfig, names, **extra):
    values = {"control_plane_clusters": [{"name": n} for n in names], "control_plane_namespace": NAMESPACE,
              "control_plane_management_kubeconfig": kubeconfig, "control_plane_wait": False,
              "control_plane_defaults": DEFAULTS}
    values.update(extra)
    return values


def ensure_namespace(kubeconfig):
    api = kubernetes.client.CoreV1Api(kubernetes.config.new_client_from_config(kubeconfig))
    if NAMESPACE not in [n.metadata.name for n in api.list_namespace().items]:
        api.create_namespace(kubernetes.client.V1Namespace(metadata=kubernetes.client.V1ObjectMeta(name=NAMESPACE)))
    return api


def fleet(bench, kubeconfig, size):
    count = size["count"]
    names = ["bench-%03d" % i for i in range(count)]

    with bench.step("declare_alone_x200", "%d control planes declared alone, one role run each" % size["alone"]):
        alone = [bench.playbook("control_planes", role_vars(kubeconfig, ["bench-alone-%d" % i]), "declare_alone")
                 for i in range(size["alone"])]
        bench.playbook("control_planes", role_vars(kubeconfig, ["bench-alone-%d" % i for i in range(size["alone"])],
                                                   control_plane_state="absent", control_plane_wait=True),
                       "declare_alone")
    one = [r["seconds"] for r in alone]
    bench.figure("declare_alone_x200", median(one) * count, "s", samples=one, count=count,
                 what="the median of one control plane declared alone, times N")

    with bench.step("declare_200", "%d control planes declared through the role in one run" % count):
        declared = bench.playbook("control_planes", role_vars(kubeconfig, names), "declare")
    bench.figure("declare_200", declared["seconds"], "s", baseline="declare_alone_x200", count=count,
                 module_seconds=declared["waited"], api_requests_per_cp=round(declared["api_requests"] / count, 1),
                 changed=sum(1 for c in declared["clusters"] if c.get("changed")))

    with bench.step("declare_200_noop", "the same %d again" % count):
        again = bench.playbook("control_planes", role_vars(kubeconfig, names), "declare_noop")
    bench.figure("declare_200_noop", again["seconds"], "s", baseline="declare_200", count=count,
                 module_seconds=again["waited"], api_requests_per_cp=round(again["api_requests"] / count, 1),
                 changed=sum(1 for c in again["clusters"] if c.get("changed")))

    with bench.step("cluster_info_200", "cluster_info and k8s_info over the %d, %d times each" % (count, size["reads"])):
        read = bench.playbook("read", {"bench_kubeconfig": kubeconfig, "bench_namespace": NAMESPACE,
                                       "bench_samples": size["reads"]}, "read")
    bench.figure("k8s_info_200", median(read["k8s_info"]), "s", samples=read["k8s_info"], count=count,
                 what="kubernetes.core.k8s_info listing the objects cluster_info reads (4 kinds)")
    bench.figure("cluster_info_200", median(read["cluster_info"]), "s", samples=read["cluster_info"],
                 baseline="k8s_info_200", count=int(read["count"]))

    with bench.step("delete_200", "the %d deleted through the role, waited for" % count):
        deleted = bench.playbook("control_planes", role_vars(kubeconfig, names, control_plane_state="absent",
                                                             control_plane_wait=True), "delete")
    bench.figure("delete_200", deleted["seconds"], "s", count=count, module_seconds=deleted["waited"],
                 what="deleted through the role, waited for until their objects are gone (garbage collector)")


def hosted_pki(api, cluster, directory):
    """The CAs and service-account keys the native engine made, where tests/apiserver/hosted.sh reads them."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    files = {"ca": [("tls.crt", "ca.crt"), ("tls.key", "ca.key")],
             "proxy": [("tls.crt", "front-proxy-ca.crt"), ("tls.key", "front-proxy-ca.key")],
             "sa": [("tls.crt", "sa.pub"), ("tls.key", "sa.key")]}
    for suffix, pairs in files.items():
        data = api.read_namespaced_secret("%s-%s" % (cluster, suffix), NAMESPACE).data
        for key, name in pairs:
            path = os.path.join(directory, name)
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
                handle.write(base64.b64decode(data[key]))


def tokens(bench, kubeconfig, tier_env, size, api):
    cluster = "bench-tokens"
    bench.playbook("control_planes", role_vars(kubeconfig, [cluster]), "tokens")
    pki = os.path.join(bench.scratch, "hosted-pki")
    hosted = [tier_env["BENCH_HOSTED_SCRIPT"]]
    try:
        hosted_pki(api, cluster, pki)
        with bench.step("hosted API", "a kube-apiserver from %s's CAs, as its hosted API" % cluster):
            port = bench.run(hosted + ["up", cluster, pki], "tokens", env=tier_env).stdout.strip()
        with bench.step("tokens_500", "%d tokens in one call, %d one call each" % (size["tokens"], size["per_call"])):
            timed = bench.playbook("tokens", {
                "bench_kubeconfig": kubeconfig, "bench_namespace": NAMESPACE, "bench_cluster": cluster,
                "bench_hosted_api_url": "https://127.0.0.1:%s" % port, "bench_batch": size["tokens"],
                "bench_per_call": size["per_call"], "bench_dir": os.path.join(bench.scratch, "tokens")}, "tokens")
    finally:
        bench.run(hosted + ["down", cluster], "tokens", env=tier_env, check=False)
        bench.playbook("control_planes", role_vars(kubeconfig, [cluster], control_plane_state="absent",
                                                   control_plane_wait=True), "tokens")
    record_tokens(bench, timed, size)


def record_tokens(bench, timed, size, exec_seconds=None):
    """tokens_500 and its baselines, from what the tokens playbook (and exec, on the lab) measured."""
    count = size["tokens"]
    per_token = timed["per_call"] / size["per_call"]
    bench.figure("tokens_per_call_x500", per_token * count, "s", count=count, timed_on=size["per_call"],
                 tokens_per_second=round(1 / per_token, 2), what="one join_token run per token (a loop), times N")
    also = {}
    if exec_seconds:
        per_exec = median(exec_seconds)
        bench.figure("tokens_exec_x500", per_exec * count, "s", samples=exec_seconds, count=count,
                     timed_on=len(exec_seconds), tokens_per_second=round(1 / per_exec, 2),
                     what="`k0s token create` by exec in the control-plane pod (k0smotron's way), median times N")
        also["tokens_exec_x500"] = None
    bench.figure("tokens_500", timed["batch"], "s", baseline="tokens_per_call_x500", also=also, count=count,
                 minted=int(timed["batch_minted"]), tokens_per_second=round(count / timed["batch"], 2),
                 revoke_seconds=round(timed["revoke"], 2))


def run(bench, tier_env):
    """The fleet figures, and the token figures unless the lab measured them already (through a real
    hosted control plane, beside `k0s token create` by exec: those keep the names)."""
    size = sizes(bench.quick)
    kubeconfig = tier_env["BENCH_KUBECONFIG"]
    api = ensure_namespace(kubeconfig)
    fleet(bench, kubeconfig, size)
    if "tokens_500" in bench.figures:
        bench.note("tokens_500 is the lab's (a real hosted control plane); the API tier's was not measured")
    else:
        tokens(bench, kubeconfig, tier_env, size, api)
