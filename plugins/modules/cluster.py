#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cluster
short_description: Create, change, delete and wait on hosted k0s control planes
version_added: 0.1.0
description:
  - Manages a hosted k0s control plane in the management cluster. Its k0s controllers run there as pods,
    and edge hosts join it as workers.
  - With O(engine=native) (the default) the module creates every object itself in O(namespace), with rights
    in that namespace only and nothing installed in the management cluster. The certificate authorities and the
    service-account key are made once (with C(cryptography)) and kept in Secrets C(NAME-ca), C(NAME-proxy),
    C(NAME-sa); the k0s configuration goes into ConfigMap C(kmc-NAME-config); Service and StatefulSet
    C(kmc-NAME) expose and run C(k0s controller). All of them are owned by the ConfigMap C(kmc-NAME), which
    records the settings, so deleting the control plane deletes them all.
  - With the native engine, an option left out keeps the value the control plane has (the defaults below
    apply when it is created), so a run that names only O(version) upgrades without touching the rest.
    A change of configuration, certificates or database URL rolls the pods (k0s reads its configuration at
    start), and the module waits until every pod runs the new template and its API answers C(/readyz).
  - With O(engine=k0smotron) the module declares a k0smotron C(Cluster) (API C(k0smotron.io/v1beta2)) and waits
    for an installed k0smotron operator to build it.
  - With O(engine=k0smotron) an option left out keeps the value the Cluster has too, so the upgrade example below
    keeps the datastore and the Service. The fields this collection applied before are sent again (server-side
    apply would otherwise remove them, and k0smotron's defaults, etcd and a ClusterIP Service, would take their
    place); a sub-option of O(service), O(persistence) or O(storage) left out keeps its value unless the O(storage)
    or O(persistence) type changes. A field is cleared by giving the option another value, or by editing the
    Cluster with another tool.
  - Objects are applied with server-side apply under the field manager C(k0smotron.fleet), after a server-side
    dry run that decides whether anything changes and gives the check-mode prediction.
  - On timeout the module reports the pods, their reasons and recent events, or what is missing.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - k0smotron.fleet.connection
  - k0smotron.fleet.engine
  - k0smotron.fleet.connection.WAIT
  - k0smotron.fleet.attributes
  - k0smotron.fleet.attributes.MUTATING
attributes:
  diff_mode:
    details:
      - The diff covers the labels, annotations and spec; a kine data source URL is shown masked.
options:
  name:
    description:
      - Name of the hosted cluster. k0smotron derives Service and StatefulSet names from it (C(kmc-NAME)),
        so it must be a DNS-1123 label.
      - Required unless O(clusters) is given.
    type: str
  namespace:
    description:
      - Namespace of the Cluster in the management cluster.
    type: str
    default: default
  state:
    description:
      - V(present) creates the Cluster or brings it to the options given; V(absent) deletes it with
        everything k0smotron made for it.
    type: str
    choices: [present, absent]
    default: present
  version:
    description:
      - The k0s version of the control plane, as k0s tags it (V(v1.36.3+k0s.0)); the image-tag form
        V(v1.36.3-k0s.0) is accepted too.
      - Required to create a control plane (and always with O(engine=k0smotron)). k0smotron's own default is a
        years-old release, so it is never left to it.
      - With O(engine=native) a downgrade, or a jump of more than one minor version, is refused; after an
        upgrade the module warns about workers of another minor version (new workers only join a control
        plane of their own minor).
    type: str
  replicas:
    description:
      - Number of control-plane pods. More than one needs shared storage (O(storage.type=kine) with an
        external database, or etcd). Defaults to 1 on the server.
    type: int
  image:
    description:
      - The k0s image repository, without tag (the tag is O(version) with C(+) written C(-)). Defaults to
        C(quay.io/k0sproject/k0s).
      - Set it to use a mirror or an air-gapped registry, for example V(registry.example.com/k0sproject/k0s).
    type: str
  external_address:
    description:
      - The address (IP or DNS name) workers reach the control plane at. It goes into the API server's
        certificate, the kubeconfig and join tokens.
      - When not given, found for NodePort (a management node's ExternalIP, else its InternalIP; reading nodes
        needs a cluster-wide right, so give it when the module has namespace rights only) and LoadBalancer (the
        load balancer's address, waited for). With ClusterIP the API is reached at the Service's DNS name,
        inside the management cluster.
      - A host name or an IP address, without scheme or port.
    type: str
  service:
    description:
      - How the control plane is exposed in the management cluster.
      - When not given, a new control plane gets a ClusterIP service; an existing one keeps its own.
      - "With the native engine, a port left out is automatic: k0s listens on its standard port (6443 for the API,
        8132 for konnectivity) in the pod and the Service exposes that port; with V(NodePort), Kubernetes
        allocates a free node port, which the Service keeps for as long as it lives, and workers, join tokens and
        kubeconfigs are given C(address:nodePort) (RV(ports) returns them). No ports need to be kept by hand."
      - With O(engine=k0smotron), k0smotron's defaults apply instead (30443 and 30132, also as node ports).
      - The node port range (30000-32767 by default) holds two ports per NodePort control plane, so about
        1,380 of them per management cluster; past that, widen kube-apiserver's C(--service-node-port-range)
        or use V(LoadBalancer).
    type: dict
    suboptions:
      type:
        description:
          - The Service type. V(ClusterIP) when the control plane is created without it.
        type: str
        choices: [ClusterIP, NodePort, LoadBalancer]
      api_port:
        description:
          - The Kubernetes API port, the same in the pod, on the Service and, with V(NodePort), on every node
            (k0s tells workers this port).
          - Left out, the port is automatic (see O(service)); a port another Service holds as its node port is
            refused before anything is made, naming that Service.
        type: int
      konnectivity_port:
        description:
          - The konnectivity port workers connect back on, likewise; left out, automatic.
        type: int
  persistence:
    description:
      - Where the control plane keeps its state (certificates, kine's SQLite database). Defaults to an
        emptyDir, which is lost when the pod is restarted or rescheduled. Use V(hostPath) or V(pvc) for a
        control plane on SQLite that must keep its state.
    type: dict
    suboptions:
      type:
        description:
          - The kind of volume.
        type: str
        choices: [emptyDir, hostPath, pvc]
        required: true
      host_path:
        description:
          - The path on the management node, with O(persistence.type=hostPath).
        type: str
      persistent_volume_claim:
        description:
          - The claim template (C(spec), or C(metadata) and C(spec)), with O(persistence.type=pvc).
        type: dict
      auto_delete_pvcs:
        description:
          - Whether to delete the claims when the control plane is deleted. They are kept by default.
        type: bool
  storage:
    description:
      - The control plane's datastore.
      - With O(engine=native), kine on SQLite in the pod (one replica) unless a PostgreSQL or MySQL URL is given,
        which O(replicas) above 1 requires. The URL is never written into a ConfigMap, a result or a diff; it
        reaches k0s from a Secret when the pod starts, and a changed URL (a rotated password) rolls the pods.
      - With O(engine=k0smotron), when not given to a new Cluster k0smotron runs an etcd StatefulSet, which needs a
        default StorageClass in the management cluster; an existing Cluster keeps its datastore.
    type: dict
    suboptions:
      type:
        description:
          - V(kine) keeps the state in SQLite (on O(persistence)) or in an external SQL database; V(etcd)
            runs etcd pods; V(nats) runs an embedded NATS. The native engine offers V(kine).
        type: str
        choices: [etcd, kine, nats]
        required: true
      kine_data_source_secret_name:
        description:
          - Name of a Secret in O(namespace) whose key C(K0SMOTRON_KINE_DATASOURCE_URL) holds kine's data
            source URL. Preferred over O(storage.kine_data_source_url), which puts the database password in the Cluster.
        type: str
      kine_data_source_url:
        description:
          - Kine's data source URL, for example V(postgres://user:pass@db:5432/site1). Masked in results and diffs.
          - With O(engine=native) it is stored in the Secret C(NAME-datastore), which later runs keep using
            when the option is left out.
        type: str
      kine:
        description:
          - The same two settings as k0smotron's documents write them, C(spec.storage.kine), for a block copied
            from there - C(dataSourceURL) is O(storage.kine_data_source_url) (masked in the same way) and
            C(dataSourceSecretName) is O(storage.kine_data_source_secret_name). Give each setting in one
            spelling only.
        type: dict
        suboptions:
          dataSourceURL:
            description:
              - Same as O(storage.kine_data_source_url).
            type: str
          dataSourceSecretName:
            description:
              - Same as O(storage.kine_data_source_secret_name).
            type: str
      etcd:
        description:
          - The C(spec.storage.etcd) settings (image, args, persistence, defragJob...), as the API names them.
        type: dict
      datastore:
        description:
          - A shared PostgreSQL or MySQL server (native engine), described once (in a role's defaults, for
            example), on which the module makes this control plane a database and a user of its own, before the
            control plane starts. The password is generated and kept, with the kine URL, only in the Secret
            C(NAME-datastore); the admin credential is read from its Secret at each run and used for nothing
            else.
          - Checked before any change - an admin Secret missing, an unreachable server, refused credentials, an
            admin without the right to create databases and users, or a database or user that belongs to someone
            else (another control plane, say) fails the run with nothing changed.
          - Recorded in the control plane's anchor, so later runs may leave it out. Its O(storage.datastore.driver),
            O(storage.datastore.host), O(storage.datastore.port), O(storage.datastore.database) and
            O(storage.datastore.user) cannot change afterwards (that would leave the data behind).
          - With O(state=absent) and O(drop_database=true), the database and user are dropped once the control
            plane is gone.
          - Needs the C(psycopg2) (PostgreSQL) or C(PyMySQL) (MySQL, MariaDB) Python package where the module runs.
        type: dict
        suboptions:
          driver:
            description: The server's kind; V(mysql) also serves MariaDB.
            type: str
            choices: [postgres, mysql]
          host:
            description: The server's DNS name or IP address, as the control-plane pods and the module reach it.
            type: str
          port:
            description: Its port; 5432 for V(postgres) and 3306 for V(mysql) when left out.
            type: int
          admin_secret_name:
            description:
              - A Secret in O(namespace) with keys C(username) and C(password) (a C(kubernetes.io/basic-auth)
                Secret) of an account that may create databases and users.
            type: str
          admin_database:
            description: The database the admin connects to (PostgreSQL); C(postgres) when left out.
            type: str
          database:
            description:
              - The control plane's database; left out, C(k0s_NAMESPACE_NAME) with other characters as C(_), cut
                with a hash to 32 characters.
            type: str
          user:
            description: The control plane's database user; the database's name when left out.
            type: str
          sslmode:
            description:
              - TLS to the server, for the module and for kine. V(require) (the default) encrypts without checking
                the certificate.
            type: str
            choices: [disable, require, verify-ca, verify-full]
          timeout:
            description: Seconds each connection, login and statement of the module may take (2-600); default 10.
            type: int
          rotate_password:
            description:
              - Give the control plane a new generated password, changed on the server and in its Secret; the pods
                restart with it. Every run with it rotates again.
            type: bool
            default: false
  tuning:
    description:
      - What the control-plane pod runs beyond O(control_plane_flags) (native engine). V(lean), the default for a
        new control plane, turns off the k0s components a hosted control plane has no use for (autopilot, helm,
        update-prober), gives kine and konnectivity-server a soft memory limit (C(GOMEMLIMIT)), and, when
        O(resources) is not given, requests the CPU and memory the pod was measured to use, so that the scheduler
        places control planes by their real size. V(none) runs k0s as it comes.
      - A control plane made before this option existed keeps V(none) until it is given; changing it restarts the
        pods.
    type: str
    choices: [lean, none]
  pod_security:
    description:
      - How locked down the control-plane pods run (native engine). V(strict), the default for a new control plane,
        is all that Pod Security C(restricted) asks for that k0s permits, in a user namespace (C(hostUsers=false), so
        that root in the pod is an unprivileged user on the node), with no privilege escalation, every capability dropped
        but C(SETGID), seccomp C(RuntimeDefault) and a read-only root filesystem. A namespace that enforces
        C(baseline) admits it; one that enforces C(restricted) refuses it for that one capability, which k0s needs
        to start its components (README, Security, with the k0s source lines).
      - V(baseline) is the same without the user namespace, for nodes, runtimes or volumes that cannot give one
        (Kubernetes 1.33 or later, Linux 6.3 or later, and idmapped mounts on every volume's filesystem); it is the
        default with O(persistence.type=hostPath), as host directories seldom support idmapped mounts.
      - V(none) runs the pods as the container runtime makes them, as root; control planes made before this
        option existed keep it until it is given. Changing it restarts the pods.
    type: str
    choices: [strict, baseline, none]
  network_policy:
    description:
      - A NetworkPolicy beside each control plane (native engine), letting in to its pods only the API and
        konnectivity ports and closing every other port of the pods. Egress stays open (the datastore, konnectivity).
      - Takes effect where the management cluster's network plugin enforces NetworkPolicies.
      - Control planes made before this option existed have none until it is given.
    type: dict
    suboptions:
      enabled:
        description: Whether the policy exists; false deletes it. Default true for a new control plane.
        type: bool
      from:
        description:
          - Who may reach the two ports, as NetworkPolicy peers (C(podSelector), C(namespaceSelector),
            C(ipBlock)). Left out (or empty), anywhere, as edge hosts come from anywhere.
        type: list
        elements: dict
  drop_database:
    description:
      - With O(state=absent) and a shared datastore (O(storage.datastore)), drop the control plane's database and
        user once the control plane is gone (native engine). The server is reached before anything is deleted, so
        a drop that cannot be done changes nothing.
      - For a control plane already deleted, give its O(storage.datastore) to drop what is left.
    type: bool
    default: false
  k0s_config:
    description:
      - The k0s configuration of the control plane, either a whole C(ClusterConfig) or just its C(spec).
      - The module owns C(spec.api.port), C(spec.api.externalAddress), C(spec.api.sans),
        C(spec.konnectivity.agentPort), C(spec.konnectivity.externalAddress) and C(spec.storage) (set them with the options above); with
        O(engine=native) setting one of them here is an error, with O(engine=k0smotron) k0smotron overwrites them.
      - With O(engine=native) a change takes effect, as the pods restart with the new configuration. Telemetry is
        off unless turned on here.
    type: dict
  resources:
    description:
      - Compute resources of the control-plane pods, as a Kubernetes C(ResourceRequirements).
      - With the native engine and O(tuning=lean), left out means the measured requests (C(cpu) 100m, C(memory)
        512Mi) and limits (C(cpu) 1, C(memory) 1Gi), so that one control plane cannot starve the others.
    type: dict
  node_selector:
    description:
      - Node labels the control-plane pods must run on (native engine).
    type: dict
  tolerations:
    description:
      - Tolerations of the control-plane pods, as Kubernetes C(Toleration) objects (native engine).
    type: list
    elements: dict
  priority_class_name:
    description:
      - Priority class of the control-plane pods (native engine), for example one that keeps them from being
        evicted before ordinary workloads.
    type: str
  pki:
    description:
      - How the certificate authorities and the service-account key are made (native engine). They are made
        once, when the control plane is created, and never regenerated; changing these later has no effect on
        existing keys.
    type: dict
    suboptions:
      key_type:
        description:
          - The key algorithm.
        type: str
        choices: [rsa, ecdsa]
      key_size:
        description:
          - Bits of the key; 2048, 3072 or 4096 for RSA (default 2048), 256 or 384 for ECDSA.
        type: int
      ca_validity_days:
        description:
          - Lifetime of each certificate authority in days. Default 3650, as k0s's own.
        type: int
  patches:
    description:
      - k0smotron engine only.
      - Patches k0smotron applies to the objects it generates, as C(spec.patches) entries
        (C(target) with C(kind) and C(component), C(patch) with C(type) and C(content)).
    type: list
    elements: dict
  control_plane_flags:
    description:
      - Extra flags for C(k0s controller) in the pods, each one string like V(--enable-metrics-scraper).
    type: list
    elements: str
  manifests:
    description:
      - k0smotron engine only.
      - Volumes (Kubernetes C(Volume) objects) holding manifests that the control plane applies to the hosted cluster.
    type: list
    elements: dict
  mounts:
    description:
      - k0smotron engine only.
      - Extra volumes mounted into the control-plane pods, as C(spec.mounts) entries.
    type: list
    elements: dict
  certificate_refs:
    description:
      - k0smotron engine only.
      - Certificates provided by the user instead of generated ones, as C(spec.certificateRefs) entries.
    type: list
    elements: dict
  labels:
    description:
      - Labels of the control plane's objects and pods. With O(engine=native) they can change at any time (the
        StatefulSet's selector uses two fixed labels of its own).
      - With O(engine=k0smotron), k0smotron copies them into the control-plane StatefulSet's selector, which
        Kubernetes does not let change, so a run that would change them on an existing Cluster fails before
        changing anything.
    type: dict
  annotations:
    description:
      - Annotations of the control plane and its pods. Changing them restarts those pods; the wait then lasts
        until the new pods are ready.
    type: dict
  spec:
    description:
      - k0smotron engine only.
      - Any other C(Cluster.spec) fields, as the API names them (for example C(ingress), C(monitoring),
        C(topologySpreadConstraints)). An option above and the same field here must agree.
    type: dict
  force_conflicts:
    description:
      - Take over fields that another field manager (kubectl, another tool) owns, instead of failing.
    type: bool
    default: false
  clusters:
    description:
      - Many control planes in one run. Each entry takes this module's options (O(name) required; not the
        connection, engine and wait options), and the options given beside O(clusters) apply to every entry
        that leaves them out.
      - Every entry is checked before any change. All are declared first, then waited for together in one
        bounded wait of O(wait_timeout), so N control planes take about as long as the slowest one.
      - A control plane that fails (a refused option, an API error, a timeout) is reported in its own entry of
        RV(clusters) with its diagnosis; the others go on, and the task fails at the end naming every failed one.
    type: list
    elements: dict
  parallel:
    description:
      - With O(clusters), how many control planes change at once, each group declared and waited for before
        the next starts; V(0) changes all at once.
      - For upgrades, a small number keeps most sites' control planes serving while a few roll.
    type: int
    default: 0
notes:
  - With O(engine=native), O(state=absent) deletes the anchor ConfigMap in the foreground, so the management
    cluster's garbage collector deletes every object it owns (and the control plane's tokens with the hosted
    cluster); claims are kept unless O(persistence.auto_delete_pvcs). The module waits until all are gone.
    An external database keeps the hosted cluster's data; drop it there when it is no longer wanted.
  - With O(engine=k0smotron), deleting a Cluster deletes its join-token requests and Secrets too, and so
    invalidates their tokens.
seealso:
  - module: k0smotron.fleet.cluster_info
  - module: k0smotron.fleet.kubeconfig
  - module: k0smotron.fleet.join_token
"""

EXAMPLES = r"""
- name: A hosted control plane for one shop, exposed on the management nodes' addresses
  k0smotron.fleet.cluster:
    name: shop-0042
    namespace: edge
    version: v1.36.3+k0s.0
    service:
      type: NodePort
      api_port: 30443
      konnectivity_port: 30132
    persistence:
      type: hostPath
      host_path: /var/lib/k0smotron/shop-0042
    storage:
      type: kine
    labels:
      fleet.example.com/region: eu-west

- name: Control planes on one shared PostgreSQL server, a database and a user each, made by the module
  k0smotron.fleet.cluster:
    namespace: edge
    version: v1.36.3+k0s.2
    replicas: 2
    storage:
      type: kine
      datastore:
        driver: postgres
        host: pg.fleet.example.com
        admin_secret_name: fleet-pg-admin   # keys username and password
        sslmode: verify-full
    clusters:
      - name: shop-0201
      - name: shop-0202

- name: Delete one of them, and its database and user once it is gone
  k0smotron.fleet.cluster:
    name: shop-0202
    namespace: edge
    state: absent
    drop_database: true

- name: Three replicas on PostgreSQL, reached through a load balancer
  k0smotron.fleet.cluster:
    name: factory-7
    namespace: edge
    version: v1.36.3+k0s.0
    replicas: 3
    service:
      type: LoadBalancer
    storage:
      type: kine
      kine_data_source_secret_name: factory-7-db
    k0s_config:
      network:
        provider: kuberouter

- name: Upgrade the control plane and wait for the new pods (its state survives on the hostPath)
  k0smotron.fleet.cluster:
    name: shop-0042
    namespace: edge
    version: v1.36.4+k0s.0
    persistence:
      type: hostPath
      host_path: /var/lib/k0smotron/shop-0042
    wait_timeout: 900

- name: Remove a cluster and wait until everything is gone
  k0smotron.fleet.cluster:
    name: shop-0042
    namespace: edge
    state: absent

- name: Connection options for this collection and kubernetes.core at once
  module_defaults:
    group/k0smotron.fleet.k0smotron:
      kubeconfig: /etc/fleet/management.kubeconfig
  block:
    - name: Declare the cluster
      k0smotron.fleet.cluster:
        name: shop-0043
        namespace: edge
        version: v1.36.3+k0s.0

- name: Three sites' control planes at once, waited for together, node ports allocated by Kubernetes
  k0smotron.fleet.cluster:
    namespace: edge
    version: v1.36.3+k0s.2
    service:
      type: NodePort
    clusters:
      - name: shop-0101
      - name: shop-0102
      - name: shop-0103
        labels:
          site: shop-0103
  register: shops

- name: A control plane on node ports chosen by hand (each must be free in the whole management cluster)
  k0smotron.fleet.cluster:
    name: shop-0104
    namespace: edge
    version: v1.36.3+k0s.2
    service:
      type: NodePort
      api_port: 30443
      konnectivity_port: 30132

- name: Upgrade the fleet's control planes two at a time
  k0smotron.fleet.cluster:
    namespace: edge
    version: v1.37.0+k0s.0
    parallel: 2
    clusters: "{{ shop_names | map('community.general.dict_kv', 'name') | list }}"
"""

RETURN = r"""
clusters:
  description:
    - With O(clusters), one result per entry, in order, with the keys a single control plane's result has
      (RV(ready), RV(state), RV(api_endpoint), RV(waited), RV(ready_seconds)...) and its RV(clusters[].name) and
      RV(clusters[].namespace); a failed entry has C(failed), C(msg) and its diagnosis instead.
  returned: with O(clusters)
  type: list
  elements: dict
  contains:
    name:
      description: The control plane's name.
      type: str
      sample: shop-0101
    namespace:
      description: Its namespace.
      type: str
      sample: edge
api_requests:
  description:
    - With O(clusters), how many requests the run made to the management cluster's API, for sizing a fleet
      (the hosted clusters' APIs are not counted).
  returned: with O(clusters)
  type: int
  sample: 1400
ready_seconds:
  description:
    - Seconds from the start of this control plane's declaration until it was seen ready.
  returned: when the module waited and the control plane became ready
  type: float
  sample: 21.4
cluster:
  description:
    - The Cluster as the API returned it, with a kine data source URL masked. Empty after deletion.
  returned: with O(engine=k0smotron)
  type: dict
  sample:
    apiVersion: k0smotron.io/v1beta2
    kind: Cluster
    metadata:
      name: shop-0042
      namespace: edge
    spec:
      replicas: 1
      version: v1.36.3+k0s.0
    status:
      readyReplicas: 1
ready:
  description: Whether the control plane was up to date and serving when the module returned.
  returned: always
  type: bool
  sample: true
state:
  description: Where the control plane stands, in words.
  returned: always
  type: str
  sample: 1/1 control-plane replicas ready
api_endpoint:
  description:
    - The URL of the hosted API server, as workers and kubeconfigs reach it.
    - With O(engine=k0smotron), None for a NodePort service without O(external_address); the kubeconfig then
      holds the address k0smotron chose.
  returned: when O(state=present)
  type: str
  sample: https://192.0.2.10:30443
ports:
  description:
    - The ports workers are told (native engine), by name (C(api), C(konnectivity)); with V(NodePort) and a port
      left out, the node port Kubernetes allocated. None for a port not known yet (check mode, before the Service
      exists).
  returned: when O(state=present) with O(engine=native)
  type: dict
  sample:
    api: 31207
    konnectivity: 30911
external_address:
  description: The external address in use, given or found (native engine).
  returned: when O(state=present) with O(engine=native)
  type: str
  sample: 192.0.2.10
version:
  description: The control plane's k0s version (native engine).
  returned: when O(state=present) with O(engine=native)
  type: str
  sample: v1.36.3+k0s.2
changes:
  description:
    - The objects this run created or changed (or would, in check mode), as C(Kind/name) (native engine), and a
      shared datastore's database, as C(PostgreSQL database NAME at HOST:PORT).
  returned: when O(state=present) with O(engine=native)
  type: list
  elements: str
  sample: [StatefulSet/kmc-shop-0042]
settings:
  description:
    - The control plane's settings after this run, as recorded in its anchor ConfigMap (native engine); the
      options left out show the values kept. No secret is in them.
  returned: when O(state=present) with O(engine=native)
  type: dict
datastore_dropped:
  description:
    - With O(drop_database=true), what was dropped on the shared datastore once the control plane was gone
      (C(dropped database), C(dropped user)); empty when they were gone already.
  returned: when O(state=absent) with O(drop_database=true) and the module waited
  type: list
  elements: str
  sample: [dropped database, dropped user]
api:
  description:
    - The hosted API's own answer after the wait (native engine), when it is reachable from where the module
      runs. C(reachable), C(ready) (its C(/readyz)), and after an upgrade C(nodes), C(nodes_ready) and
      C(kubelet_versions); C(error) says why it could not be asked.
  returned: when the native engine waited for the control plane
  type: dict
  sample:
    reachable: true
    ready: true
kubeconfig_secret:
  description: The name of the Secret holding the hosted cluster's admin kubeconfig (key C(value)).
  returned: when O(state=present)
  type: str
  sample: shop-0042-kubeconfig
waited:
  description: Seconds spent waiting.
  returned: always
  type: float
  sample: 74.2
wait_progress:
  description: The states seen while waiting, each with the seconds elapsed when it was first seen.
  returned: when the module waited
  type: list
  elements: dict
  sample:
    - elapsed: 0.1
      state: 0/1 control-plane replicas ready, KubeconfigSecretAvailable=False (NoReadyReplicas)
    - elapsed: 71.3
      state: 1/1 control-plane replicas ready
"""

from ansible_collections.k0smotron.fleet.plugins.module_utils._runner import run_module

ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    namespace=dict(type="str", default="default"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    version=dict(type="str"),
    replicas=dict(type="int"),
    image=dict(type="str"),
    external_address=dict(type="str"),
    service=dict(type="dict", options=dict(
        type=dict(type="str", choices=["ClusterIP", "NodePort", "LoadBalancer"]),
        api_port=dict(type="int"),
        konnectivity_port=dict(type="int"),
    )),
    persistence=dict(type="dict", options=dict(
        type=dict(type="str", choices=["emptyDir", "hostPath", "pvc"], required=True),
        host_path=dict(type="str"),
        persistent_volume_claim=dict(type="dict"),
        auto_delete_pvcs=dict(type="bool"),
    )),
    storage=dict(type="dict", options=dict(
        type=dict(type="str", choices=["etcd", "kine", "nats"], required=True),
        kine_data_source_secret_name=dict(type="str"),
        kine_data_source_url=dict(type="str", no_log=True),
        kine=dict(type="dict", options=dict(
            dataSourceURL=dict(type="str", no_log=True),
            dataSourceSecretName=dict(type="str", no_log=False),
        )),
        etcd=dict(type="dict"),
        datastore=dict(type="dict", options=dict(
            driver=dict(type="str", choices=["postgres", "mysql"]),
            host=dict(type="str"),
            port=dict(type="int"),
            admin_secret_name=dict(type="str", no_log=False),
            admin_database=dict(type="str"),
            database=dict(type="str"),
            user=dict(type="str"),
            sslmode=dict(type="str", choices=["disable", "require", "verify-ca", "verify-full"]),
            timeout=dict(type="int"),
            rotate_password=dict(type="bool", default=False),
        )),
    ), mutually_exclusive=[("kine_data_source_secret_name", "kine_data_source_url")]),
    drop_database=dict(type="bool", default=False),
    tuning=dict(type="str", choices=["lean", "none"]),
    pod_security=dict(type="str", choices=["strict", "baseline", "none"]),
    network_policy=dict(type="dict", options={
        "enabled": dict(type="bool"),
        "from": dict(type="list", elements="dict"),
    }),
    k0s_config=dict(type="dict"),
    resources=dict(type="dict"),
    patches=dict(type="list", elements="dict"),
    control_plane_flags=dict(type="list", elements="str"),
    manifests=dict(type="list", elements="dict"),
    mounts=dict(type="list", elements="dict"),
    certificate_refs=dict(type="list", elements="dict"),
    node_selector=dict(type="dict"),
    tolerations=dict(type="list", elements="dict"),
    priority_class_name=dict(type="str"),
    pki=dict(type="dict", options=dict(
        key_type=dict(type="str", choices=["rsa", "ecdsa"]),
        key_size=dict(type="int"),
        ca_validity_days=dict(type="int"),
    )),
    labels=dict(type="dict"),
    annotations=dict(type="dict"),
    spec=dict(type="dict"),
    force_conflicts=dict(type="bool", default=False),
    clusters=dict(type="list", elements="dict"),
    parallel=dict(type="int", default=0),
)


def main():
    run_module("cluster", ARGUMENT_SPEC, wait=True, required_one_of=[("name", "clusters")],
               mutually_exclusive=[("name", "clusters")])


if __name__ == "__main__":
    main()
