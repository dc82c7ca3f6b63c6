#!/usr/bin/env bash
# The system packages parcours-engine needs, installed from Debian when missing.
#
#   tools/install-deps.sh [--dry-run] [run|test]
#
# `run` (what `make run` needs): Python 3.11 with its venv module, Node.js and npm.
# `test` (the default; what `make test`, `make bench` and `.ci/run` need): the same, plus
# PostgreSQL (the tests start throwaway clusters) and Chromium (the browser tests).
#
# When everything is there it prints nothing and exits 0 at once. Otherwise it installs with
# apt-get when it may (as root, or through sudo without a password), or stops with exit status 1
# and the one command to run. `--dry-run` says what it would install and how, and changes nothing.
# The probes follow $PYTHON (default python3.11) and $CHROMIUM (default /usr/bin/chromium), as the
# Makefile and the browser tests do.
set -euo pipefail

dry_run=false
profile=test
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=true ;;
    run | test) profile=$arg ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-deps: unknown argument '$arg' (expected --dry-run, run or test)" >&2; exit 2 ;;
  esac
done

PYTHON=${PYTHON:-python3.11}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

need=()
# Debian splits `venv` (with ensurepip) into python3.11-venv: without it `python3.11 -m venv` fails.
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  need+=(python3.11 python3.11-venv)
elif ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  need+=(python3.11-venv)
fi
command -v npm >/dev/null 2>&1 || need+=(nodejs npm) # `make assets` bundles the front end with esbuild
if command -v node >/dev/null 2>&1; then
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  # Debian 12 ships Node.js 18; package.json (and some of the bundled libraries) ask for 20.
  [ "$major" -ge 20 ] 2>/dev/null ||
    echo "install-deps: warning: Node.js $(node --version) is older than the 20 package.json asks for; if \`make assets\` fails, install Node.js 20" >&2
fi
if [ "$profile" = test ]; then
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
  [ -x "$CHROMIUM" ] || need+=(chromium)
fi

[ ${#need[@]} -eq 0 ] && { $dry_run && echo "install-deps ($profile): nothing to install"; exit 0; }

packages="${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: missing $packages; this is not a Debian system: install them with its package manager" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps: missing $packages. Run this, then the same make command again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y $packages" >&2
  exit 1
fi

if $dry_run; then
  echo "install-deps ($profile): would run: ${sudo[*]:+${sudo[*]} }apt-get update && ${sudo[*]:+${sudo[*]} }apt-get install -y $packages"
  exit 0
fi

echo "install-deps ($profile): installing $packages from Debian"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${need[@]}"
