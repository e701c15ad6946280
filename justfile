# Recipes for developers. `just ci` is exactly what CI runs.

import? 'justfile.d/webgenesis.just'
import? 'justfile.d/odoo.just'
import? 'justfile.d/python-node.just'

default:
    @just --list

# The main job: a consulting business on the embedded defaults
run idea="I want a consulting business":
    cargo run --release -p abp-host -- run "{{idea}}"

# The test suite (the README's test command)
test:
    cargo test --workspace

# What CI runs
ci:
    bash .ci/run

# Benchmarks: component load cold vs cached, per-invocation overhead, graph ordering
bench:
    cargo bench -p abp-host
