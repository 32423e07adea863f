#!/usr/bin/env bash
# The test command: installs what the test suites start or drive, then runs every test. CI runs exactly this
# (.ci/run). Once it has run, plain `dotnet test` works too. `./test.sh --help` says what it does.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# npm: no audit or funding requests, no update check, only errors printed.
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false npm_config_loglevel=error

# Debian packages the suites start or drive: redis-server (Redis tests), sqlite3 (a test holds a lock from its shell),
# chromium with fonts (the sample's browser tests; no browser is ever downloaded).
SYSTEM_PACKAGES=(redis-server sqlite3 chromium fontconfig fonts-liberation)
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/iteration-streaming"
AZURITE_LOCK=tests/Iteration.Streaming.Azure.Storage.Blobs.Tests/azurite/package-lock.json
CLIENT_DIR=src/iteration-streaming-client

usage() {
  cat <<EOF
Usage: ./test.sh [dotnet test arguments]

Runs every test of the repository, installing first what the tests need:
  1. system packages (apt-get): ${SYSTEM_PACKAGES[*]}
     (root or passwordless sudo is needed for this step only, and only when one is missing)
  2. Azurite, the Azure Storage emulator, at the version its lock pins, into
     $CACHE_DIR/azurite
     and the OpenAPI client generator the AspNetCore tests run, into $CACHE_DIR/openapi-generator
  3. the JavaScript client's packages (npm ci in $CLIENT_DIR), then its tests (npm test)
     against the sample host, built first
  4. every NuGet package, packed into artifacts/packages for the packaging tests
  5. dotnet test, with the arguments given here, e.g. ./test.sh --filter "FullyQualifiedName~Redis"
Each install is skipped when already done, so a second run goes straight to the tests. Once it
has run, plain 'dotnet test' works too (the packaging tests then pack the build they test).

Needs the .NET SDK (global.json) and Node.js 20+ with npm on PATH.
Environment:
  EXTRA_APT_PACKAGES  more system packages to install with the others (space-separated)
  CHROMIUM_PATH       a Chromium executable to use instead of Debian's chromium package
EOF
}

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  usage
  exit 0
fi

# Step headers with the seconds elapsed; a summary of every step's time at the end, passed or not.
# A step's header: its name, what it does, and the seconds elapsed since the start.
step_names=()
step_starts=()
step() {
  step_names+=("$1")
  step_starts+=("$SECONDS")
  printf '\n==> [%4ss] %s: %s\n' "$SECONDS" "$1" "$2"
}
# At the end, whether it passed and each step's seconds (not after fail's own one-line message).
stopped=false
summary() {
  local status=$? i end times=()
  if $stopped || ((${#step_names[@]} == 0)); then
    return
  fi
  for i in "${!step_names[@]}"; do
    end=$((i + 1 < ${#step_names[@]} ? step_starts[i + 1] : SECONDS))
    times+=("${step_names[i]} $((end - step_starts[i]))s")
  done
  local joined
  joined=$(printf '%s, ' "${times[@]}")
  if ((status == 0)); then
    printf '\n==> test.sh passed in %ss (%s)\n' "$SECONDS" "${joined%, }"
  else
    printf '\n==> test.sh failed (exit %s) in %ss, at step "%s" (%s)\n' "$status" "$SECONDS" "${step_names[${#step_names[@]} - 1]}" "${joined%, }" >&2
  fi
}
trap summary EXIT
# Interrupted (Ctrl-C, a CI timeout): exit with the signal's code, so the summary does not say "passed".
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  stopped=true
  echo "test.sh: $*" >&2
  exit 1
}

# 0. The two tools a developer installs by hand.
tools=()
command -v dotnet >/dev/null 2>&1 || tools+=("the .NET SDK 10 (dotnet)")
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  tools+=("Node.js 20 or later with npm (node, npm)")
elif ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  tools+=("Node.js 20 or later (node $(node --version) is too old)")
fi
if ((${#tools[@]})); then
  fail "install $(printf '%s and ' "${tools[@]}" | sed 's/ and $//') first (they must be on PATH), then run ./test.sh again."
fi
sdk=$(dotnet --version 2>/dev/null) \
  || fail "the .NET SDK that global.json asks for ($(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' global.json) or a later 10.0 feature band) is not installed; 'dotnet --list-sdks' shows the installed ones."

# 1. System packages, checked before anything is built so a machine that cannot install them stops at once.
step "system packages" "${SYSTEM_PACKAGES[*]}${EXTRA_APT_PACKAGES:+ $EXTRA_APT_PACKAGES}"
echo ".NET SDK $sdk, Node.js $(node --version), npm $(npm --version)"
wanted=("${SYSTEM_PACKAGES[@]}")
read -r -a extra <<<"${EXTRA_APT_PACKAGES:-}"
wanted+=(${extra[@]+"${extra[@]}"})
if [[ -n "${CHROMIUM_PATH:-}" && -x "${CHROMIUM_PATH}" ]]; then
  for i in "${!wanted[@]}"; do
    [[ "${wanted[i]}" != chromium ]] || unset 'wanted[i]'
  done
fi
missing=()
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if ((${#missing[@]})); then
    if ((EUID == 0)); then
      as_root=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      as_root=(sudo -n)
    else
      fail "missing system packages: ${missing[*]}. Installing them needs root; run: sudo apt-get install -y --no-install-recommends ${missing[*]} (then ./test.sh again)"
    fi
    echo "installing ${missing[*]} (apt-get)"
    apt_log=$(mktemp "${TMPDIR:-/tmp}/test.sh-apt.XXXXXX")
    if ! { ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
      && ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
      tail -n 20 "$apt_log" >&2
      fail "apt-get could not install ${missing[*]} (its output is above; the whole of it in $apt_log)."
    fi
    rm -f "$apt_log"
  else
    echo "all installed"
  fi
else
  # Not Debian or Ubuntu: the same programs installed by other means will do.
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
  [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] || missing+=("chromium (or set CHROMIUM_PATH)")
  command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
  if ((${#missing[@]})); then
    fail "no apt-get here to install system packages; install these with your package manager: ${missing[*]} (and a Liberation or other sans-serif font), then run ./test.sh again."
  fi
  echo "no apt-get; redis-server, sqlite3, chromium and fontconfig found"
fi

# 2. Azurite, at the version its lock pins, outside the repository (the blob tests' fixture looks there). Installed
# again only when the lock changed: the copy of the lock written after a complete install says which one it has.
step "Azurite" "$CACHE_DIR/azurite"
azurite_dir="$CACHE_DIR/azurite"
if [[ -x "$azurite_dir/node_modules/.bin/azurite-blob" ]] && cmp -s "$AZURITE_LOCK" "$azurite_dir/installed-lock.json"; then
  echo "up to date"
else
  mkdir -p "$azurite_dir"
  rm -f "$azurite_dir/installed-lock.json"
  cp "$(dirname "$AZURITE_LOCK")/package.json" "$AZURITE_LOCK" "$azurite_dir/"
  (cd "$azurite_dir" && npm ci --no-audit --no-fund)
  cp "$AZURITE_LOCK" "$azurite_dir/installed-lock.json"
fi

# 2b. The OpenAPI client generator (@hey-api/openapi-ts and TypeScript, pinned by their lock) that the AspNetCore tests
# run against the live document, in the cache folder their fixture looks in (it installs it itself when missing).
step "OpenAPI generator" "$CACHE_DIR/openapi-generator"
generator_dir="$CACHE_DIR/openapi-generator"
GENERATOR_LOCK=tests/Iteration.Streaming.AspNetCore.Tests/OpenApi/package-lock.json
if [[ -f "$generator_dir/node_modules/@hey-api/openapi-ts/package.json" ]] && cmp -s "$GENERATOR_LOCK" "$generator_dir/package-lock.json"; then
  echo "up to date"
else
  mkdir -p "$generator_dir"
  rm -f "$generator_dir/package-lock.json"
  cp "$(dirname "$GENERATOR_LOCK")/package.json" "$generator_dir/"
  cp "$GENERATOR_LOCK" "$generator_dir/package-lock.json.new"
  mv "$generator_dir/package-lock.json.new" "$generator_dir/package-lock.json"
  (cd "$generator_dir" && npm ci --no-audit --no-fund)
fi

# 3. The JavaScript client: its packages (axe-core in them serves the sample's accessibility tests), then its tests,
# which run against the sample host. It is built here, not inside the tests' set-up, whose time limit a first build on a
# busy machine can exceed; dotnet test reuses this build.
step "JavaScript client" "npm ci, build the sample host, npm test in $CLIENT_DIR"
if cmp -s "$CLIENT_DIR/package-lock.json" "$CLIENT_DIR/node_modules/.test-sh-lock.json"; then
  echo "node_modules up to date"
else
  (cd "$CLIENT_DIR" && npm ci --no-audit --no-fund)
  cp "$CLIENT_DIR/package-lock.json" "$CLIENT_DIR/node_modules/.test-sh-lock.json"
fi
dotnet build samples/Iteration.Streaming.Sample.Web
(cd "$CLIENT_DIR" && npm test --silent)

# 4. Every package, as CI ships it (with its .snupkg, SourceLink and repository metadata): the packaging tests check
# these very packages and build a consumer app from them.
step "pack" "every package into artifacts/packages"
rm -rf artifacts/packages
dotnet pack Iteration.Streaming.Packages.slnf -c Release -o artifacts/packages -p:ContinuousIntegrationBuild=true
export ITERATION_STREAMING_PACKAGES="$PWD/artifacts/packages"

# 5. Every test project (or what the arguments select).
step "dotnet test" "${*:-every test project}"
dotnet test "$@"
