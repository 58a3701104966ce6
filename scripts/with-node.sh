#!/bin/sh
# Runs a command on another major version of Node.js beside the machine's own, in the same
# checkout: `sh scripts/with-node.sh 24 pnpm vitest run`.
#
# Node.js comes from the npm registry's `node-linux-<arch>` package (the official binaries and the
# headers a native build needs), extracted once into a cache folder outside the repository. The
# one native dependency, better-sqlite3, is compiled once per Node.js ABI and both builds are
# placed where its loader looks them up by ABI, so the machine's Node.js and this one share one
# node_modules. Run `sh scripts/setup.sh` first.
set -e
cd "$(dirname "$0")/.."
major="${1:?usage: with-node.sh <major> <command> [args...]}"
shift
cache="${TESSERA_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tessera-ci}"
platform="$(node -p 'process.platform + "-" + process.arch')"
node_dir="$cache/node-$major-$platform"
log="$cache/node-$major.log"
mkdir -p "$cache"

if [ ! -x "$node_dir/bin/node" ]; then
  echo "node $major: fetching Node.js $major (node-$platform@$major) from the npm registry"
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent "node-$platform@$major" >/dev/null)
  mkdir -p "$node_dir.partial"
  tar -xzf "$work"/node-*.tgz -C "$node_dir.partial" --strip-components=1
  rm -rf "$work" "$node_dir"
  mv "$node_dir.partial" "$node_dir"
fi
node_bin="$node_dir/bin/node"
echo "node $major: $("$node_bin" --version)"

# better-sqlite3's loader (the `bindings` package) tries build/Release first and fails on an addon
# built for another ABI, then looks in lib/binding/node-v<abi>-<platform>/. Keep one build per ABI
# there and none in build/Release.
sqlite_dir=$(cd core-blocks && node -p "require('path').dirname(require.resolve('better-sqlite3/package.json'))")
sqlite_version=$(node -p "require('$sqlite_dir/package.json').version")
place_addon() { # <abi> <built .node file>
  mkdir -p "$sqlite_dir/lib/binding/node-v$1-$platform"
  cp "$2" "$sqlite_dir/lib/binding/node-v$1-$platform/better_sqlite3.node"
}
if [ -f "$sqlite_dir/build/Release/better_sqlite3.node" ]; then
  place_addon "$(node -p process.versions.modules)" "$sqlite_dir/build/Release/better_sqlite3.node"
  rm "$sqlite_dir/build/Release/better_sqlite3.node"
fi
abi=$("$node_bin" -p process.versions.modules)
addon="$cache/better-sqlite3-$sqlite_version-abi$abi-$platform.node"
if [ ! -f "$addon" ]; then
  echo "node $major: compiling better-sqlite3 $sqlite_version for Node.js $major (log: $log)"
  work=$(mktemp -d)
  cp -R "$sqlite_dir/binding.gyp" "$sqlite_dir/deps" "$sqlite_dir/src" "$sqlite_dir/package.json" "$work/"
  gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  # node-gyp lets npm_config_nodedir (which `npm run` exports from npm's own settings) win over
  # --nodedir, so both name this Node.js's headers.
  if ! (cd "$work" && npm_config_nodedir="$node_dir" "$node_bin" "$gyp" rebuild --release \
    --nodedir="$node_dir" >"$log" 2>&1); then
    echo "node $major: compiling better-sqlite3 failed; see $log" >&2
    exit 1
  fi
  if ! "$node_bin" -e "require(process.argv[1])" "$work/build/Release/better_sqlite3.node" >>"$log" 2>&1; then
    echo "node $major: the better-sqlite3 build does not load in Node.js $major; see $log" >&2
    exit 1
  fi
  cp "$work/build/Release/better_sqlite3.node" "$addon"
  rm -rf "$work"
fi
place_addon "$abi" "$addon"

PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" exec "$@"
