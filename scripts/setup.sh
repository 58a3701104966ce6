#!/bin/sh
# Installs what the project needs on a machine that has only Node.js 20+ and npm: pnpm (the
# version pinned in package.json) and the workspace's dependencies; with --build, also builds the
# packages. Prints one line per step and keeps the tools' output in .tessera-tmp/setup.log, which
# it names (with the last lines) when a step fails.
# Safe to run again: it does nothing when everything is already in place.
set -e
cd "$(dirname "$0")/.."
mkdir -p .tessera-tmp
log=.tessera-tmp/setup.log
: >"$log"

step() { # <what> <command...>
  what=$1
  shift
  printf 'setup: %s ... ' "$what"
  if "$@" >>"$log" 2>&1; then
    echo "done"
  else
    echo "failed"
    echo "setup: '$what' failed; its output is in $log. The last lines:" >&2
    tail -n 25 "$log" >&2
    exit 1
  fi
}

want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$want" ]; then
  step "installing pnpm $want" npm install --global --no-fund --no-audit "pnpm@$want"
fi
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  # better-sqlite3 builds from source against the headers of the Node.js that runs it.
  if [ -z "${npm_config_nodedir:-}" ] && [ -d /usr/include/node ]; then
    npm_config_nodedir=/usr
    export npm_config_nodedir
  fi
  step "installing dependencies (the first time takes a minute or two)" \
    pnpm install --frozen-lockfile --reporter=append-only
fi
if [ "${1:-}" = "--build" ]; then
  step "building the packages" pnpm run build
fi
