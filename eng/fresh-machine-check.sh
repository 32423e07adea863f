#!/usr/bin/env bash
# Runs the test command as a new user would: ./test.sh in a fresh clone of this repository's committed HEAD, with an
# empty HOME (so empty NuGet, npm and Azurite caches) and a clean environment. `--help` says more.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: eng/fresh-machine-check.sh [--user] [--keep] [-- test.sh arguments]

Clones the committed HEAD of this repository into a temporary folder and runs ./test.sh there with an empty
HOME and a clean environment (PATH, HOME, USER, LANG only), then prints the wall time and exit code.
  --user   run as a new unprivileged Linux user (created with useradd, removed after; needs root), to see
           the non-root path: without the system packages test.sh must stop at once with one line.
           EXTRA_APT_PACKAGES=cowsay (a package not installed) shows that on a provisioned machine.
  --keep   keep the temporary folder (the clone, HOME and the log) instead of removing it.
Environment passed through: EXTRA_APT_PACKAGES, CHROMIUM_PATH, CI.
Run it as root for the real check (as CI runs): test.sh may then install the system packages itself.
EOF
}

as_user=false
keep=false
while (($#)); do
  case "$1" in
    --user) as_user=true ;;
    --keep) keep=true ;;
    -h | --help) usage; exit 0 ;;
    --) shift; break ;;
    *) echo "fresh-machine-check: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

root=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
commit=$(git -C "$root" rev-parse HEAD)
if [[ -n "$(git -C "$root" status --porcelain)" ]]; then
  echo "fresh-machine-check: note: uncommitted changes in $root are not part of the check (it clones HEAD, $commit)."
fi
if $as_user && ((EUID != 0)); then
  echo "fresh-machine-check: --user creates a Linux user, which needs root." >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fresh-machine-check.XXXXXX")
chmod 755 "$work"
home="$work/home"
clone="$home/iteration-streaming"
user=""

cleanup() {
  local status=$?
  # Build servers (MSBuild, the compiler) outlive the build for a while: stop them so the user can be removed.
  if [[ -d "$clone" ]]; then
    run_as_new_user dotnet build-server shutdown >/dev/null 2>&1 || true
  fi
  if [[ -n "$user" ]]; then
    # Anything of this user's still running (a test server a failed run left) was started by this check.
    for pid in $(pgrep -u "$user" || true); do
      kill "$pid" 2>/dev/null || true
    done
    userdel "$user" 2>/dev/null || echo "fresh-machine-check: could not remove user $user" >&2
  fi
  if $keep; then
    echo "fresh-machine-check: kept $work"
  else
    rm -rf "$work"
  fi
  return "$status"
}
trap cleanup EXIT

# The environment a new login has: no DOTNET_*, NUGET_*, npm or XDG settings carried over from this shell.
run_as_new_user() {
  local environment=(
    HOME="$home" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
    USER="${user:-root}" LOGNAME="${user:-root}" TERM="${TERM:-dumb}"
  )
  local name
  for name in EXTRA_APT_PACKAGES CHROMIUM_PATH CI; do
    if [[ -n "${!name:-}" ]]; then
      environment+=("$name=${!name}")
    fi
  done
  if [[ -n "$user" ]]; then
    (cd "$clone" && runuser -u "$user" -- env -i "${environment[@]}" "$@")
  else
    (cd "$clone" && env -i "${environment[@]}" "$@")
  fi
}

mkdir -p "$home"
# A clone from a local folder has that folder as its remote; a clone from the project's host has the host. Drop the
# local one so SourceLink maps sources to the repository's URL, as in CI's checkout.
git clone --quiet --no-checkout "$root" "$clone"
git -C "$clone" checkout --quiet -B fresh-machine-check "$commit"
git -C "$clone" remote remove origin
if $as_user; then
  user="fresh$(date +%s | tail -c 6)"
  useradd --home-dir "$home" --no-create-home --shell /bin/bash --user-group "$user"
  chown -R "$user:$user" "$home"
fi

echo "fresh-machine-check: ./test.sh${*:+ $*} in $clone (commit ${commit:0:12}), HOME=$home, as ${user:-root}"
start=$(date +%s)
set +e
run_as_new_user ./test.sh "$@"
status=$?
set -e
seconds=$(($(date +%s) - start))
echo "fresh-machine-check: ./test.sh exited $status after ${seconds}s ($((seconds / 60))m$((seconds % 60))s wall time), as ${user:-root} with an empty HOME"
exit "$status"
