#!/usr/bin/env bash
# Re-create consult/static/vendor/ from the npm packages pinned in package.json.
#
# Consult itself never needs npm: the files this writes are committed. To update, change a
# version in package.json, run `bash scripts/vendor-css.sh`, look at the pages, and commit.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/consult/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

version_of() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["devDependencies"][sys.argv[2]])' \
    "$root/package.json" "$1"
}

# unpack NAME: npm pack the pinned version of NAME and unpack it into $work/NAME
unpack() {
  local name="$1" version tarball
  version="$(version_of "$name")"
  tarball="$(cd "$work" && npm pack --silent "$name@$version" | tail -n 1)"
  mkdir -p "$work/$name"
  tar -xzf "$work/$tarball" -C "$work/$name" --strip-components=1
  echo "$name@$version"
}

components="$(unpack @utrecht/component-library-css)"
tokens="$(unpack @nl-design-system-unstable/voorbeeld-design-tokens)"

rm -rf "$vendor"
mkdir -p "$vendor/utrecht" "$vendor/voorbeeld"
cp "$work/@utrecht/component-library-css/dist/index.css" "$vendor/utrecht/component-library.css"
cp "$work/@utrecht/component-library-css/dist/html.css" "$vendor/utrecht/html.css"
cp "$work/@utrecht/component-library-css/LICENSE.md" "$vendor/utrecht/LICENSE.md"
cp "$work/@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css" "$vendor/voorbeeld/design-tokens.css"
cp "$work/@nl-design-system-unstable/voorbeeld-design-tokens/LICENSE.md" "$vendor/voorbeeld/LICENSE.md"

cat > "$vendor/README.md" <<README
# Vendored NL Design System CSS

Written by \`scripts/vendor-css.sh\` from the versions pinned in \`package.json\`; do not
edit these files by hand. Consult needs no npm to install or run.

| file | npm package | licence |
|---|---|---|
| \`utrecht/component-library.css\` | \`$components\` (\`dist/index.css\`) | EUPL-1.2 (\`utrecht/LICENSE.md\`) |
| \`utrecht/html.css\` | \`$components\` (\`dist/html.css\`: plain HTML elements inside \`.utrecht-html\`) | EUPL-1.2 |
| \`voorbeeld/design-tokens.css\` | \`$tokens\` (\`dist/theme.css\`, class \`.voorbeeld-theme\`) | EUPL-1.2 (\`voorbeeld/LICENSE.md\`) |

Why the "voorbeeld" (example) tokens and not \`@utrecht/design-tokens\`: the Utrecht tokens
are the City of Utrecht's own brand and their licence says they are proprietary ("the open
source license does NOT apply"). The voorbeeld theme is NL Design System's neutral theme
under EUPL-1.2, built on \`--basis-*\` tokens. Consult's own colours and fonts override
those \`--basis-*\` tokens under \`.consult-theme\` in \`consult/static/consult.css\`.
README

echo "vendored $components and $tokens into ${vendor#"$root"/}"
