#!/usr/bin/env bash
# Generates the Next.js templates with the `render` example and builds each project exactly as
# generated: `npm install && npx next build` (needs Node.js >= 18.18 and the npm registry).
# Usage: nextjs-build.sh [OUTDIR] [LANG...]   (default OUTDIR target/webgenesis-nextjs, LANG de en)
set -euo pipefail
cd "$(dirname "$0")/../../.."
out="${1:-target/webgenesis-nextjs}"
shift || true
langs=("$@")
if [ "${#langs[@]}" -eq 0 ]; then langs=(de en); fi
command -v npm >/dev/null || { echo "error: npm not found; install Node.js 18.18 or newer" >&2; exit 1; }
export NEXT_TELEMETRY_DISABLED=1
cargo build --quiet -p abp-node-webgenesis --example render
status=0
for lang in "${langs[@]}"; do
  for template in nextjs-business ecommerce-basic; do
    dir="$out/$template-$lang"
    rm -rf "$dir"
    cargo run --quiet -p abp-node-webgenesis --example render -- "$template" "$dir" "$lang"
    start=$(date +%s)
    if (cd "$dir/nextjs" && npm install --no-audit --no-fund --loglevel=error && npx next build) > "$dir/build.log" 2>&1; then
      echo "$template ($lang): next build ok in $(( $(date +%s) - start )) s (npm install included); log in $dir/build.log"
    else
      echo "$template ($lang): next build FAILED after $(( $(date +%s) - start )) s; see $dir/build.log" >&2
      tail -30 "$dir/build.log" >&2
      status=1
    fi
  done
done
exit $status
