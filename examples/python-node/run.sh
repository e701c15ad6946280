#!/usr/bin/env bash
# Builds the Python example node with componentize-py and runs it through the host: plan (dry
# run), apply, rollback, in a scratch workspace. Prints the build time and the component size.
# componentize-py comes from PyPI into a private venv (ABP_PY_VENV, default target/python-node).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${ABP_PY_WORK:-$root/target/python-node}"
venv="${ABP_PY_VENV:-$work/venv}"
version="0.25.1"

if [ ! -x "$venv/bin/componentize-py" ]; then
    echo "python-node: installing componentize-py $version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "componentize-py==$version"
fi

plugins="$work/plugins"
mkdir -p "$plugins"
start=$SECONDS
(cd "$here" && "$venv/bin/componentize-py" -d "$root/wit" -w node componentize app -o "$plugins/pygreet.wasm")
cp "$here/pygreet.toml" "$plugins/"
size_kib=$(( $(wc -c < "$plugins/pygreet.wasm") / 1024 ))
echo "python-node: built pygreet.wasm ($size_kib KiB) in $((SECONDS - start)) s"

abp() { cargo run --quiet --manifest-path "$root/Cargo.toml" -p abp-host --bin abp -- "$@"; }
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp "$here/abp.toml" "$here/graph.json" "$scratch/"
cd "$scratch"
abp --plugins "$plugins" plan graph.json
abp --plugins "$plugins" --json apply graph.json > apply.json
run_id=$(python3 -c 'import json,sys; print(json.load(open("apply.json"))["run_id"])')
echo "python-node: apply wrote: $(cat storage/pygreet-output/greeting.txt)"
abp --plugins "$plugins" rollback "$run_id"
test ! -e storage/pygreet-output/greeting.txt
echo "python-node: rollback removed the greeting; the Python node loads, plans, applies and rolls back"
