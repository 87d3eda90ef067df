#!/bin/sh
# The project's Node bootstrap. The toolchain (wrangler, the vitest plugin, @discordjs/voice) needs the
# Node version in package.json's "engines"; where the Node on PATH is older, this fetches the version
# pinned in .nvmrc from the npm registry (the `node-<os>-<arch>` packages) into .tools/ and runs the
# project under it. Plain sh, because it must work before any usable Node exists.
#
#   pinned-node.sh pinned       print the bin folder of the pinned Node, fetched if missing (.ci/run)
#   pinned-node.sh ensure       print the bin folder of a Node new enough (the system's, or the pinned one,
#                               fetched if missing)
#   pinned-node.sh postinstall  npm's root postinstall: when the Node on PATH is too old, fetch the pinned
#                               one, write node_modules/.bin/node (which npm puts first on every script's
#                               PATH) and rebuild the packages whose install scripts ran under the old Node
#   pinned-node.sh exec ARGS    what node_modules/.bin/node runs: the pinned Node, saying so once
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS="$ROOT/.tools"
PINNED=$(tr -d ' v\n\r' <"$ROOT/.nvmrc")
# "engines": {"node": ">=22.12"} — the one place the minimum is written down.
MINIMUM=$(sed -n 's/.*"node": *">=\([0-9][0-9.]*\)".*/\1/p' "$ROOT/package.json" | head -n 1)
SHIM="$ROOT/node_modules/.bin/node"
SHIM_MARK='# promethean-edge pinned-node shim'

say() { printf 'promethean-edge: %s\n' "$*" >&2; }

# The PATH without any node_modules/.bin folder, so `node` and `npm` below are never this shim.
plain_path() {
  printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -
}

# True when version $1 (v20.20.2 or 20.20.2) is at least $MINIMUM (major.minor).
new_enough() {
  v=${1#v}
  major=${v%%.*}
  rest=${v#*.}
  minor=${rest%%.*}
  min_major=${MINIMUM%%.*}
  min_rest=${MINIMUM#*.}
  min_minor=${min_rest%%.*}
  [ "$major" -gt "$min_major" ] || { [ "$major" -eq "$min_major" ] && [ "$minor" -ge "$min_minor" ]; }
}

system_node_version() {
  PATH=$(plain_path) node --version 2>/dev/null || echo v0.0.0
}

package_name() {
  os=${PROMETHEAN_NODE_PLATFORM:-$(uname -s | tr 'A-Z' 'a-z')}
  case "${PROMETHEAN_NODE_ARCH:-$(uname -m)}" in
  x86_64 | amd64 | x64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
  esac
  printf 'node-%s-%s' "$os" "$arch"
}

pinned_bin() {
  printf '%s/node_modules/%s/bin' "$TOOLS" "$(package_name)"
}

give_up() {
  say "Node $1 is older than this project's >=$MINIMUM, and $2; install Node $PINNED (e.g. \`nvm install\`, which reads .nvmrc) and run npm ci again."
  exit 1
}

# Fetches node-<os>-<arch>@PINNED into .tools/ unless it is there; one fetch at a time (mkdir is atomic).
fetch_pinned() {
  bin=$(pinned_bin)
  if [ -x "$bin/node" ] && [ "$("$bin/node" --version 2>/dev/null)" = "v$PINNED" ]; then return 0; fi
  mkdir -p "$TOOLS"
  waited=0
  until mkdir "$TOOLS/.fetch-lock" 2>/dev/null; do
    waited=$((waited + 1))
    [ "$waited" -lt 600 ] || rm -rf "$TOOLS/.fetch-lock"
    sleep 0.5
  done
  trap 'rmdir "$TOOLS/.fetch-lock" 2>/dev/null || true' EXIT
  if ! { [ -x "$bin/node" ] && [ "$("$bin/node" --version 2>/dev/null)" = "v$PINNED" ]; }; then
    [ -f "$TOOLS/package.json" ] || echo '{"private":true}' >"$TOOLS/package.json"
    if ! PATH=$(plain_path) npm install --prefix "$TOOLS" --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error "$(package_name)@$PINNED" >"$TOOLS/fetch.log" 2>&1; then
      rmdir "$TOOLS/.fetch-lock" 2>/dev/null || true
      return 1
    fi
  fi
  rmdir "$TOOLS/.fetch-lock" 2>/dev/null || true
  trap - EXIT
  [ "$("$bin/node" --version 2>/dev/null)" = "v$PINNED" ]
}

case "${1:-}" in
pinned)
  # CI: always the pinned version, whatever the system has.
  fetch_pinned || give_up "$(system_node_version)" "fetching $(package_name)@$PINNED from the npm registry failed (.tools/fetch.log)"
  pinned_bin
  echo
  ;;
ensure)
  found=$(system_node_version)
  if new_enough "$found"; then
    dirname "$(PATH=$(plain_path) command -v node)"
    exit 0
  fi
  fetch_pinned || give_up "$found" "fetching $(package_name)@$PINNED from the npm registry failed (.tools/fetch.log)"
  pinned_bin
  echo
  ;;
postinstall)
  found=$(system_node_version)
  if new_enough "$found"; then
    # A shim left by an install under an older Node would still pin this one: remove it.
    if [ -f "$SHIM" ] && grep -q "$SHIM_MARK" "$SHIM"; then rm -f "$SHIM"; fi
    exit 0
  fi
  fetch_pinned || give_up "$found" "fetching $(package_name)@$PINNED from the npm registry failed (.tools/fetch.log)"
  say "Node $found is older than >=$MINIMUM: fetched Node $PINNED into .tools/; npm scripts run under it (rebuilding native packages for it)"
  # Install scripts (node-gyp builds) ran under the old Node, whose ABI folder the pinned Node does not read.
  PATH="$(pinned_bin):$(plain_path)" PROMETHEAN_PINNED_NODE_SAID=1 npm rebuild --loglevel=error >&2
  # After the rebuild, which relinks node_modules/.bin and drops files it does not know.
  mkdir -p "$(dirname "$SHIM")"
  cat >"$SHIM" <<EOF
#!/bin/sh
$SHIM_MARK: the system Node is older than >=$MINIMUM, so every \`node\` an npm script starts
# (npm run dev, npm test, their tools' #!/usr/bin/env node) runs the pinned one. Removed by the next npm ci
# under a Node new enough.
exec sh "\$(dirname "\$0")/../../scripts/pinned-node.sh" exec "\$@"
EOF
  chmod +x "$SHIM"
  ;;
exec)
  shift
  bin=$(pinned_bin)
  if ! { [ -x "$bin/node" ] && [ "$("$bin/node" --version 2>/dev/null)" = "v$PINNED" ]; }; then
    fetch_pinned || give_up "$(system_node_version)" "fetching $(package_name)@$PINNED from the npm registry failed (.tools/fetch.log)"
  fi
  # Once per command: nested Nodes inherit the variable, and siblings started by one npm script shell
  # (`npm run check && vitest run`) share that shell as parent, noted in .tools/.said/.
  parent_mark="$TOOLS/.said/$PPID"
  parent_args=$(ps -o args= -p "$PPID" 2>/dev/null || true)
  if [ -z "${PROMETHEAN_PINNED_NODE_SAID:-}" ] && ! { [ -f "$parent_mark" ] && [ "$(cat "$parent_mark")" = "$parent_args" ]; }; then
    mkdir -p "$TOOLS/.said" && printf "%s" "$parent_args" >"$parent_mark"
    say "the system Node $(system_node_version) is older than >=$MINIMUM: running under the pinned Node $PINNED from .tools/"
    export PROMETHEAN_PINNED_NODE_SAID=1
  fi
  PATH="$bin:$PATH"
  export PATH
  exec "$bin/node" "$@"
  ;;
*)
  echo "usage: $0 ensure | postinstall | exec <node args>" >&2
  exit 2
  ;;
esac
