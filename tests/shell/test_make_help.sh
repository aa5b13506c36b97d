#!/usr/bin/env bash
# `make help` lists every documented target with its description in one column, however
# long the names; README's two descriptions of `make test` say what `make help` says.
# shellcheck source=tests/shell/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

help=$(rmake help)
printf '%s\n' "$help"

while read -r name; do
    grep -q "^  make $name " <<<"$help" || fail "make help does not list '$name'"
done < <(grep -oE '^[a-z0-9-]+:.*## ' "$REPO/Makefile" | cut -d: -f1)
ok "every target with a '## ' description is listed"

columns=$(awk '{ match($0, /^  make [a-z0-9-]+ +/); print RLENGTH }' <<<"$help" | sort -u)
[[ $(wc -l <<<"$columns") == 1 ]] || fail "descriptions start in different columns: $(echo "$columns" | tr '\n' ' ')"
ok "every description starts in column $columns"

test_text=$(sed -n 's/^  make test  *//p' <<<"$help")
[[ -n $test_text ]] || fail "make help has no line for 'make test'"
grep -qxF "make test    # $test_text" "$REPO/README.md" \
    || fail "README's quick start does not describe make test as: # $test_text"
grep -qxF "| \`make test\` | $test_text |" "$REPO/README.md" \
    || fail "README's Development table does not describe make test as: $test_text"
ok "README's quick start and Development table describe make test as make help does"
