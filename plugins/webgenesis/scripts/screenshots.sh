#!/usr/bin/env bash
# Renders every template in English and German with the `render` example and screenshots each
# page of the static sites with headless Chromium: phone (390x844) and desktop (1280x800), light
# and dark colour scheme. Usage: screenshots.sh [OUTDIR] [PAGES...]
# (default OUTDIR target/test-artifacts/webgenesis; PAGES default: every .html page).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out="$(realpath -m "${1:-target/test-artifacts/webgenesis}")"
shift || true
chromium="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || { echo "error: $chromium not found; set CHROMIUM to a Chromium binary" >&2; exit 1; }
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
cargo build --quiet -p abp-node-webgenesis --example render
for template in static-landing nextjs-business ecommerce-basic; do
  for lang in en de; do
    dir="$out/$template-$lang"
    rm -rf "$dir"
    cargo run --quiet -p abp-node-webgenesis --example render -- "$template" "$dir" "$lang" >/dev/null
    pages=("$@")
    if [ "${#pages[@]}" -eq 0 ]; then
      pages=()
      for f in "$dir"/site/*.html; do pages+=("$(basename "$f" .html)"); done
    fi
    for page in "${pages[@]}"; do
      [ -f "$dir/site/$page.html" ] || continue
      for size in 390,844 1280,800; do
        for scheme in light dark; do
          pref=1; [ "$scheme" = dark ] && pref=0
          shot="$dir/shots/$page-${size/,/x}-$scheme.png"
          mkdir -p "$dir/shots"
          timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --hide-scrollbars --user-data-dir="$profile" --blink-settings=preferredColorScheme=$pref \
            --screenshot="$shot" --window-size="$size" "file://$dir/site/$page.html" >/dev/null 2>&1 \
            || echo "warning: screenshot of $page ($size, $scheme) failed" >&2
        done
      done
    done
    if [ -f "$dir/site/cart.html" ]; then
      # A copy whose cart is pre-filled (first product twice, second once), to see cart and checkout in use.
      rm -rf "$dir/seeded" && cp -r "$dir/site" "$dir/seeded"
      cat > "$dir/seeded/assets/seed.js" <<'JS'
(function () {
  var shop = window.ABP_SHOP, cart = {};
  shop.products.slice(0, 2).forEach(function (p, i) { cart[p.id] = 2 - i; });
  window.localStorage.setItem(shop.storage_key, JSON.stringify(cart));
})();
JS
      for page in cart checkout; do
        sed -i 's|<script src="assets/shop.js" defer></script>|<script src="assets/seed.js" defer></script>\n<script src="assets/shop.js" defer></script>|' "$dir/seeded/$page.html"
        for size in 390,844 1280,800; do
          timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --hide-scrollbars --user-data-dir="$profile" --virtual-time-budget=3000 \
            --screenshot="$dir/shots/$page-filled-${size/,/x}-light.png" --window-size="$size" \
            "file://$dir/seeded/$page.html" >/dev/null 2>&1 || echo "warning: screenshot of filled $page failed" >&2
        done
      done
    fi
    echo "$template ($lang): $(ls "$dir/shots" | wc -l) screenshots in $dir/shots"
  done
done
