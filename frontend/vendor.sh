#!/usr/bin/env bash
# Vendor the front-end assets from the npm registry into civicdx/static/vendor/.
#
# civicdx serves every front-end file itself (no CDN at run time). This script
# installs the exact versions pinned in package.json / package-lock.json and
# copies the built files the templates use:
#
#   htmx.org                      dist/htmx.min.js     -> htmx.min.js
#   echarts                       dist/echarts.min.js  -> echarts.min.js
#   @digital-go-jp/design-tokens  dist/tokens.css      -> dads-tokens.css
#   bpmn-js                       dist/bpmn-modeler.production.min.js, dist/assets/* -> bpmn-js/
#
# Usage: bash frontend/vendor.sh           (from anywhere)
#        KEEP_NODE_MODULES=1 bash frontend/vendor.sh   to keep node_modules/
#
# To upgrade: change the version in package.json, run `npm install` here to
# refresh package-lock.json, run this script, and update
# civicdx/static/vendor/README.md (versions and licences).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$here/../civicdx/static/vendor"

cd "$here"
npm ci --no-audit --no-fund --ignore-scripts

mkdir -p "$dest"
copy() {  # copy SRC NAME
    if [[ ! -f "$1" ]]; then
        echo "vendor.sh: missing $1 (did the package layout change?)" >&2
        exit 1
    fi
    cp "$1" "$dest/$2"
    chmod 0644 "$dest/$2"
}
copy node_modules/htmx.org/dist/htmx.min.js                 htmx.min.js
copy node_modules/echarts/dist/echarts.min.js               echarts.min.js
copy node_modules/@digital-go-jp/design-tokens/dist/tokens.css dads-tokens.css
mkdir -p "$dest/bpmn-js/bpmn-font/css" "$dest/bpmn-js/bpmn-font/font"
copy node_modules/bpmn-js/dist/bpmn-modeler.production.min.js bpmn-js/bpmn-modeler.production.min.js
copy node_modules/bpmn-js/dist/assets/bpmn-js.css            bpmn-js/bpmn-js.css
copy node_modules/bpmn-js/dist/assets/diagram-js.css         bpmn-js/diagram-js.css
copy node_modules/bpmn-js/dist/assets/bpmn-font/css/bpmn.css bpmn-js/bpmn-font/css/bpmn.css
for f in bpmn.woff2 bpmn.woff bpmn.ttf; do copy "node_modules/bpmn-js/dist/assets/bpmn-font/font/$f" "bpmn-js/bpmn-font/font/$f"; done
cp node_modules/bpmn-js/LICENSE "$dest/bpmn-js/LICENSE"

echo "Vendored into $(cd "$dest" && pwd):"
for pkg in htmx.org echarts @digital-go-jp/design-tokens bpmn-js; do
    node -e 'const p=require(process.argv[1]); console.log("  " + p.name + "@" + p.version + " (" + p.license + ")")' \
        "$here/node_modules/$pkg/package.json"
done

if [[ "${KEEP_NODE_MODULES:-0}" != "1" ]]; then
    rm -rf "$here/node_modules"
fi
