#!/usr/bin/env bash
# `eval "$(make -s env)"` and `make shell` give a shell whose ansible is the project's and
# whose k0smotron.fleet is this checkout, starting from a bare PATH: how README runs playbooks.
# shellcheck disable=SC2016  # single-quoted code runs in the shells started below
# shellcheck source=tests/shell/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

exports=$(rmake env)
printf '%s\n' "$exports"
if grep -vqE '^export (PATH|ANSIBLE_COLLECTIONS_PATH)=' <<<"$exports"; then
    fail "make -s env printed more than the two export lines (eval would run it)"
fi
ok "make -s env prints only the two export lines"

cat >"$TMP/play.yml" <<'YAML'
- name: A playbook that names the collection's modules
  hosts: localhost
  gather_facts: false
  tasks:
    - name: A module of this checkout
      k0smotron.fleet.cluster_info:
        namespace: edge
YAML
# What a user's fresh shell would have: no venv on PATH, no collections path; the caller's
# cache, if it named one.
bare=(env -i HOME="$HOME" LANG=C.UTF-8 PATH=/usr/local/bin:/usr/bin:/bin TERM=dumb
    ${K0SMOTRON_FLEET_CACHE:+"K0SMOTRON_FLEET_CACHE=$K0SMOTRON_FLEET_CACHE"})
check='
    set -e
    ansible=$(command -v ansible-playbook)
    [[ $ansible == "$2"/* ]] || { echo "ansible-playbook is $ansible, not from $2"; exit 1; }
    link=$ANSIBLE_COLLECTIONS_PATH/ansible_collections/k0smotron/fleet
    [[ $(readlink -f "$link") == "$(readlink -f "$3")" ]] || { echo "$link is not this checkout"; exit 1; }
    cd "$4" && ansible-playbook -i localhost, --syntax-check play.yml >/dev/null
    ansible-doc k0smotron.fleet.cluster_info >/dev/null
    echo "ansible from $(dirname "$ansible"), k0smotron.fleet from $(readlink -f "$link")"'
venv_bin=$(sed -n 's/^export PATH=\(.*\):"\$PATH"$/\1/p' <<<"$exports")
[[ -n $venv_bin ]] || fail "no venv in the PATH line of make env"

"${bare[@]}" bash -c "eval \"\$1\"; $check" _ "$exports" "$venv_bin" "$REPO" "$TMP" \
    || fail "eval \"\$(make -s env)\" does not give this checkout's ansible and collection"
ok "eval \"\$(make -s env)\": playbook and ansible-doc resolve k0smotron.fleet"

"${bare[@]}" bash -c "$check" _ "$exports" "$venv_bin" "$REPO" "$TMP" >/dev/null 2>&1 \
    && fail "the check passes without make env: it proves nothing"
ok "without it, the same check fails"

printf '%s\n' "$check" >"$TMP/check.sh"
"${bare[@]}" make -s --no-print-directory -C "$REPO" shell \
    <<<"bash $TMP/check.sh _ '$venv_bin' '$REPO' '$TMP'" \
    || fail "make shell does not give this checkout's ansible and collection"
ok "make shell: the same"
