#!/usr/bin/env bash
# Renders every report of the demo in headless Chromium, on screen at 1280 px and printed on letter
# paper, and fails when a page's content is wider than the page. Screenshots and PDFs are kept in
# target/browser-check/ (CI artifacts).
#
#   tools/browser-check.sh [CLAIMKIT_BINARY]
#
# Needs chromium (Debian: apt-get install -y chromium). The width check loads a copy of each page
# with a small script appended that compares the document's scroll width with the viewport's; the
# reports themselves never contain scripts. Printing is checked the same way on a copy whose print
# rules apply on screen, in a viewport as wide as letter paper inside its margins (8.5 in - 2 x 0.5 in
# = 7.5 in = 720 CSS px).
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${1:-target/debug/claimkit}"
out=target/browser-check
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [[ -z "$browser" ]]; then
    echo "browser-check: chromium not found (apt-get install -y chromium)" >&2
    exit 2
fi
if [[ ! -x "$bin" ]]; then
    cargo build --quiet
fi

rm -rf "$out"
mkdir -p "$out/pages" "$out/screen" "$out/print" "$out/probe"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

"$bin" --quiet --no-progress demo --dir "$out/demo" --as-of 2026-11-25 >/dev/null
reports=(balance summary claims reconciliation denials aging payers worklist)
for name in "${reports[@]}"; do
    CLAIMKIT_TODAY=2026-11-25 "$bin" --db "$out/demo/claimkit.db" --format html report "$name" \
        --output "$out/pages/$name.html"
done
pcn="$("$bin" --db "$out/demo/claimkit.db" --format csv report claims | sed -n 2p | cut -d, -f1)"
"$bin" --db "$out/demo/claimkit.db" --format html claim show "$pcn" > "$out/pages/claim.html"
# A patient statement (the first one the demo's patients get).
CLAIMKIT_TODAY=2026-11-25 "$bin" --db "$out/demo/claimkit.db" --quiet statements --out "$out/statements"
first_statement="$(ls "$out"/statements/statement-*.html | head -1)"
cp "$first_statement" "$out/pages/statement.html"

chrome() {
    "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
        --user-data-dir="$profile" "$@" 2>/dev/null
}

# A copy of page $1 that reports its widths in the DOM; $2 = screen|print.
probe() {
    local page="$1" media="$2" copy
    copy="$out/probe/$(basename "$page" .html).$media.html"
    if [[ "$media" == print ]]; then
        # Print rules on screen: `@media print` becomes `@media all`, the page box is dropped.
        sed -e 's/@media print/@media all/g' -e 's/@page{[^}]*}//g' "$page" > "$copy"
    else
        cp "$page" "$copy"
    fi
    cat >> "$copy" <<'EOF'
<script>
var d = document.documentElement;
var widest = 0;
document.querySelectorAll('body *').forEach(function (e) {
  var r = e.getBoundingClientRect();
  if (r.right > widest) { widest = r.right; }
});
document.body.setAttribute('data-check', 'viewport=' + d.clientWidth + ' scroll=' + d.scrollWidth + ' right=' + Math.ceil(widest));
</script>
EOF
    echo "$copy"
}

failed=0
for page in "$out"/pages/*.html; do
    name="$(basename "$page" .html)"
    abs="$(realpath "$page")"
    chrome --window-size=1280,1600 --screenshot="$out/screen/$name.png" "file://$abs" >/dev/null
    chrome --no-pdf-header-footer --print-to-pdf="$out/print/$name.pdf" "file://$abs" >/dev/null
    for media in screen print; do
        width=1280
        [[ "$media" == print ]] && width=720
        copy="$(realpath "$(probe "$page" "$media")")"
        check="$(chrome --window-size="$width",1600 --virtual-time-budget=2000 --dump-dom "file://$copy" \
            | grep -o 'data-check="[^"]*"' | head -1 || true)"
        if [[ -z "$check" ]]; then
            echo "FAIL $name ($media): the page could not be measured"
            failed=1
            continue
        fi
        read -r viewport scroll right <<<"$(echo "$check" | sed -E 's/.*viewport=([0-9]+) scroll=([0-9]+) right=([0-9]+).*/\1 \2 \3/')"
        if (( scroll > viewport || right > viewport )); then
            echo "FAIL $name ($media, ${width} px): content is ${scroll} px wide (rightmost edge ${right} px) in a ${viewport} px page"
            failed=1
        else
            echo "ok   $name ($media, ${width} px): content ${scroll} px in ${viewport} px"
        fi
    done
done
[[ -s "$out/screen/summary.png" && -s "$out/print/summary.pdf" ]] || { echo "FAIL: no screenshots written"; failed=1; }
echo "screenshots: $out/screen/, printed pages: $out/print/"
exit "$failed"
