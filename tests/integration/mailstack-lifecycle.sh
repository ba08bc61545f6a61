#!/usr/bin/env bash
# tests/integration/mailstack-lifecycle.sh — the mail stack starts, stops, and leaves nothing behind
#
# Starts a second, private stack next to whatever else runs, checks its
# environment file, stops it and checks that none of its processes is left
# and its ports are closed; then checks that "mailstack run" passes on the
# command's exit status and removes its directory.  Output is TAP.
#
# Needs root and the mail servers (build-aux/dev install); skips otherwise.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

source_root=${HONGYAN_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
mailstack=$source_root/tests/fixtures/mailstack

skip() { echo "1..0 # SKIP $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "the mail stack needs root"
for prog in dovecot smtpd openssl; do
  command -v "$prog" >/dev/null || skip "$prog is not installed (build-aux/dev install)"
done

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=$((failed + 1))
  echo "not ok $n - $1"
  shift
  local line
  for line in "$@"; do printf '#   %s\n' "$line"; done
}

alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  case "${stat%% *}" in Z|X) return 1 ;; esac
  return 0
}

# Prints the PIDs of process $1 and its descendants.
tree() {
  local -A kids=()
  local f stat pid ppid
  for f in /proc/[0-9]*/stat; do
    stat=$(cat "$f" 2>/dev/null) || continue
    pid=${stat%% *}; stat=${stat##*) }; ppid=${stat#* }; ppid=${ppid%% *}
    kids[$ppid]+=" $pid"
  done
  local queue=("$1") p
  while [ ${#queue[@]} -gt 0 ]; do
    p=${queue[0]}; queue=("${queue[@]:1}")
    alive "$p" || continue
    echo "$p"
    # shellcheck disable=SC2206
    [ -n "${kids[$p]:-}" ] && queue+=(${kids[$p]})
  done
}

accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/hongyan-lifecycle.XXXXXX")
trap '"$mailstack" stop "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT

echo "1..8"

# 1-2. start returns with every documented variable written.
if out=$("$mailstack" start "$dir" 2>&1) && [ -r "$dir/env" ]; then
  ok "mailstack start writes DIR/env"
else
  not_ok "mailstack start writes DIR/env" "$out"
  exit 1
fi
missing=()
for var in HY_TEST_HOST HY_TEST_IMAP_PORT HY_TEST_IMAPS_PORT HY_TEST_POP3_PORT HY_TEST_POP3S_PORT \
           HY_TEST_SUBMISSION_PORT HY_TEST_SUBMISSIONS_PORT HY_TEST_CA_FILE \
           HY_TEST_ALICE_USER HY_TEST_ALICE_PASSWORD HY_TEST_ALICE_ADDRESS \
           HY_TEST_BOB_USER HY_TEST_BOB_PASSWORD HY_TEST_BOB_ADDRESS \
           HY_TEST_SUBMISSION_RAWLOG_DIR HY_TEST_ALICE_RAWLOG_DIR HY_TEST_BOB_RAWLOG_DIR HY_MAILSTACK_ENV HY_TEST_LMTP_PORT HY_TEST_DOVECOT_CONFIG; do
  grep -q "^$var=." "$dir/env" || missing+=("$var")
done
if [ ${#missing[@]} -eq 0 ]; then
  ok "DIR/env sets every documented variable"
else
  not_ok "DIR/env sets every documented variable" "missing: ${missing[*]}"
fi

# 3. every port accepts once start has returned.
ports=$(sed -n 's/^HY_TEST_[A-Z0-9_]*_PORT=//p' "$dir/env")
closed=()
for p in $ports; do accepts "$p" || closed+=("$p"); done
if [ ${#closed[@]} -eq 0 ]; then
  ok "every port accepts connections when start returns"
else
  not_ok "every port accepts connections when start returns" "closed: ${closed[*]}"
fi

# 4. a second start on the same directory is refused.
if "$mailstack" start "$dir" >/dev/null 2>&1; then
  not_ok "a second start on a running stack's directory is refused"
else
  ok "a second start on a running stack's directory is refused"
fi

# 5-6. stop leaves no process and no open port.
pids=()
for f in "$dir"/pids/*.pid; do
  mapfile -t -O "${#pids[@]}" pids < <(tree "$(cat "$f")")
done
"$mailstack" stop "$dir" 2>/dev/null
left=()
for p in "${pids[@]}"; do alive "$p" && left+=("$p: $(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)"); done
if [ ${#pids[@]} -ge 3 ] && [ ${#left[@]} -eq 0 ]; then
  ok "stop ends all ${#pids[@]} processes of the stack"
else
  not_ok "stop ends all ${#pids[@]} processes of the stack" "${left[@]}"
fi
open=()
for p in $ports; do accepts "$p" && open+=("$p"); done
if [ ${#open[@]} -eq 0 ]; then
  ok "no port of the stack accepts after stop"
else
  not_ok "no port of the stack accepts after stop" "still open: ${open[*]}"
fi

# 7. run passes on the command's exit status, with the environment set;
# the command prints the stack's directory and process IDs.
export -f alive tree
rc=0
out=$(TMPDIR=$dir "$mailstack" run -- bash -c '
  [ -n "$HY_TEST_IMAPS_PORT" ] && [ -r "$HY_MAILSTACK_ENV" ] || exit 1
  echo "$HY_MAILSTACK_DIR"
  for f in "$HY_MAILSTACK_DIR"/pids/*.pid; do tree "$(cat "$f")"; done
  exit 3' 2>/dev/null) || rc=$?
if [ "$rc" -eq 3 ] && [ -n "$out" ]; then
  ok "run exports the environment and exits with the command's status"
else
  not_ok "run exports the environment and exits with the command's status" "exit status $rc, expected 3"
fi

# 8. ... and afterwards nothing of its stack is left.
run_dir=$(head -n 1 <<<"$out")
left=()
for p in $(tail -n +2 <<<"$out"); do alive "$p" && left+=("$p"); done
if [ -n "$run_dir" ] && [ ! -e "$run_dir" ] && [ ${#left[@]} -eq 0 ]; then
  ok "run stops its stack and removes its directory"
else
  not_ok "run stops its stack and removes its directory" "directory ${run_dir:-?}" "still running: ${left[*]}"
fi

[ "$failed" -eq 0 ]
