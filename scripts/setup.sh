#!/bin/sh
# Installs what the project needs on a machine that has only Node.js 20+ and npm:
# pnpm (the version pinned in package.json) and the workspace's dependencies.
# Safe to run again: it does nothing when everything is already in place.
set -e
cd "$(dirname "$0")/.."
want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$want" ]; then
  echo "setup: installing pnpm $want"
  npm install --global --no-fund --no-audit "pnpm@$want" >/dev/null
fi
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  echo "setup: installing dependencies"
  # better-sqlite3 builds from source against the headers of the Node.js that runs it.
  if [ -z "${npm_config_nodedir:-}" ] && [ -d /usr/include/node ]; then
    npm_config_nodedir=/usr
    export npm_config_nodedir
  fi
  pnpm install --frozen-lockfile --reporter=append-only
fi
