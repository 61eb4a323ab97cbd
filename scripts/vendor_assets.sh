#!/usr/bin/env bash
# Vendor the front-end packages Crossline serves itself (deployments sit on
# closed networks: no CDN). Run from the project root; needs npm and the npm
# registry. The versions here are the pins; docs/dependencies.md says why.
set -euo pipefail
GOVUK_FRONTEND=6.6.0
HTMX=2.0.11
AXE_CORE=4.14.1
SASS=1.108.2
CYTOSCAPE=3.34.4
LEAFLET=1.9.4

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "govuk-frontend@$GOVUK_FRONTEND" "htmx.org@$HTMX" "axe-core@$AXE_CORE" \
    "cytoscape@$CYTOSCAPE" "leaflet@$LEAFLET" >/dev/null)
for f in "$work"/*.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done

static=src/crossline/web/static
rm -rf "$static/govuk" "$static/htmx" "$static/cytoscape" "$static/leaflet"
mkdir -p "$static/govuk" "$static/htmx" "$static/cytoscape" "$static/leaflet"
govuk="$work/govuk-frontend-$GOVUK_FRONTEND/package/dist/govuk"
cp "$govuk/govuk-frontend.min.js" "$static/govuk/"
cp -r "$govuk/assets/images" "$static/govuk/"
# The stylesheet is compiled from GOV.UK Frontend's Sass rather than taken
# precompiled: Crossline is not a GOV.UK service, so it must not use the GDS
# Transport typeface (restricted to GOV.UK) and uses Arial instead, as the
# Design System advises for services off GOV.UK; and assets live under /assets/govuk/.
(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund \
    "sass@$SASS" "govuk-frontend@$GOVUK_FRONTEND" >/dev/null)
cat > "$work/crossline-govuk.scss" <<'SCSS'
@use "govuk-frontend/dist/govuk" with (
  $govuk-font-family: (arial, sans-serif),
  $govuk-assets-path: "/assets/govuk/"
);
SCSS
(cd "$work" && npx --no-install sass --no-source-map --style=compressed --load-path=node_modules \
    crossline-govuk.scss "$OLDPWD/$static/govuk/govuk-frontend.min.css")
cat > "$static/govuk/LICENCE.txt" <<LICENCE
GOV.UK Frontend $GOVUK_FRONTEND (https://github.com/alphagov/govuk-frontend)
The code is released under the MIT License, Copyright (c) 2016 Crown Copyright
(Government Digital Service). Documentation is © Crown copyright and available
under the terms of the Open Government 3.0 licence.

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of
the Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
LICENCE
cp "$work/htmx.org-$HTMX/package/dist/htmx.min.js" "$static/htmx/"
{ echo "htmx $HTMX (https://htmx.org), BSD Zero Clause License:"; echo; cat "$work/htmx.org-$HTMX/package/LICENSE"; } > "$static/htmx/LICENCE.txt"

# Network charts (Cytoscape.js) and maps over the shipped boundary files (Leaflet,
# with no tile layer: nothing is fetched from the internet).
cp "$work/cytoscape-$CYTOSCAPE/package/dist/cytoscape.min.js" "$static/cytoscape/"
{ echo "Cytoscape.js $CYTOSCAPE (https://js.cytoscape.org), MIT License:"; echo; cat "$work/cytoscape-$CYTOSCAPE/package/LICENSE"; } > "$static/cytoscape/LICENCE.txt"
cp "$work/leaflet-$LEAFLET/package/dist/leaflet.js" "$work/leaflet-$LEAFLET/package/dist/leaflet.css" "$static/leaflet/"
cp -r "$work/leaflet-$LEAFLET/package/dist/images" "$static/leaflet/"
{ echo "Leaflet $LEAFLET (https://leafletjs.com), BSD 2-Clause License:"; echo; cat "$work/leaflet-$LEAFLET/package/LICENSE"; } > "$static/leaflet/LICENCE.txt"

# axe-core is used only by the browser tests, never served to users.
vendor=tests/web/vendor
mkdir -p "$vendor"
cp "$work/axe-core-$AXE_CORE/package/axe.min.js" "$vendor/"
{ echo "axe-core $AXE_CORE (https://github.com/dequelabs/axe-core), MPL-2.0:"; echo; cat "$work/axe-core-$AXE_CORE/package/LICENSE"; } > "$vendor/LICENCE-axe-core.txt"
echo "vendored govuk-frontend $GOVUK_FRONTEND (compiled with sass $SASS), htmx $HTMX, cytoscape $CYTOSCAPE, leaflet $LEAFLET, axe-core $AXE_CORE"
