#!/usr/bin/env bash
# The end-to-end suite (pytest, tests/e2e) has every case, in the order they build on each other,
# each with its kind; -k and -m select among them. Collecting runs nothing.
# shellcheck source=tests/shell/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
eval "$(rmake env)"
collect() { (cd "$REPO" && python -m pytest --collect-only -q tests/e2e "$@" 2>&1) | grep '::' | sed 's/.*:://'; }

want="test_lab_up
test_site
test_site_again_no_change
test_check_mode
test_status_table
test_reset_and_rejoin
test_upgrade
test_add_host_with_limit
test_corrupted_download
test_token_expired_before_use
test_edge_host_restarted_during_install
test_control_plane_pod_deleted_mid_join
test_management_node_restarted
test_postgres_two_replicas_stopped_and_started
test_fleet_in_parallel_on_node_ports_and_a_shared_postgres
test_fleet_network_policy_in_force
test_fleet_every_control_plane_pod_killed_at_once
test_fleet_shared_sql_server_restarted
test_fleet_host_cut_off_longer_than_its_token_lives
test_fleet_management_node_restarted
test_fleet_member_deleted_with_its_database"
got=$(collect)
[[ $got == "$want" ]] || fail "pytest --collect-only tests/e2e lists, in this order:"$'\n'"$got"$'\n'"instead of:"$'\n'"$want"
ok "$(wc -l <<<"$got") cases, lab-up first"

[[ $(collect -k upgrade) == test_upgrade ]] || fail "-k upgrade selects: $(collect -k upgrade)"
[[ $(collect -m fault | wc -l) == 10 ]] || fail "-m fault selects: $(collect -m fault)"
[[ $(collect -m setup) == test_lab_up ]] || fail "-m setup selects: $(collect -m setup)"
for kind in idempotence flow; do
    [[ -n $(collect -m "$kind") ]] || fail "no case of kind $kind"
done
[[ $(( $(collect -m setup | wc -l) + $(collect -m flow | wc -l) + $(collect -m idempotence | wc -l) + $(collect -m fault | wc -l) )) == 21 ]] \
    || fail "not every case has exactly one kind (setup, flow, idempotence, fault)"
ok "-k upgrade, -m fault (10), -m setup select; every case has one kind"

# make e2e-fleet-faults: the lab's setup and the fleet's cases, nothing of demo-1's.
fleet=$(collect -k 'lab_up or fleet')
[[ $(head -n1 <<<"$fleet") == test_lab_up && $(wc -l <<<"$fleet") == 8 && $(grep -c '^test_fleet_' <<<"$fleet") == 7 ]] \
    || fail "-k 'lab_up or fleet' (make e2e-fleet-faults) selects:"$'\n'"$fleet"
ok "make e2e-fleet-faults' selection: lab-up and the 7 fleet cases"
