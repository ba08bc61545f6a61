#!/usr/bin/env bash
# test-sync-cli.sh — "hongyan-cli sync|show|mark|move|delete" against the fixture's Dovecot,
# with an account kept in the keyring as the app keeps it
#
# Usage: test-sync-cli.sh PATH-TO-hongyan-cli     (output is TAP)
# Runs inside "tests/fixtures/mailstack run" with a Secret Service on the
# session bus; without them it skips, unless HY_REQUIRE_MAILSTACK=1.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

cli=$1

if [ -z "${HY_TEST_HOST:-}" ] || [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  if [ "${HY_REQUIRE_MAILSTACK:-0}" = 1 ]; then
    echo "1..1"
    echo "not ok 1 - HY_TEST_HOST or the session bus is missing: run this inside build-aux/dev test"
    exit 1
  fi
  echo "1..0 # SKIP no mail stack or no session bus"
  exit 0
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/hongyan-sync-cli.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export XDG_CONFIG_HOME=$scratch/config XDG_DATA_HOME=$scratch/data LC_ALL=C.UTF-8

n=0
failed=0
check() {
  local what=$1
  shift
  n=$((n + 1))
  if "$@"; then
    echo "ok $n - $what"
  else
    failed=$((failed + 1))
    echo "not ok $n - $what"
    printf '#   stdout: %s\n' "$(head -c 600 "$scratch/out" 2>/dev/null)"
    printf '#   stderr: %s\n' "$(head -c 600 "$scratch/err" 2>/dev/null)"
  fi
}

run() {
  "$cli" "$@" >"$scratch/out" 2>"$scratch/err"
  rc=$?
}

contains() { grep -qF -- "$1" "$scratch/out"; }

folder="命令行同步-$$"
dest="命令行归档-$$"
imap=(--host "$HY_TEST_HOST" --port "$HY_TEST_IMAPS_PORT" --security tls --ca-file "$HY_TEST_CA_FILE"
      --user "$HY_TEST_ALICE_USER" --password-env HY_TEST_ALICE_PASSWORD)
msgid="sync-cli-$$@hongyan.test"
cat >"$scratch/msg.eml" <<MSG
From: Bob Chen <$HY_TEST_BOB_ADDRESS>
To: Alice Wang <$HY_TEST_ALICE_ADDRESS>
Subject: =?UTF-8?B?5pyI5bqm5oql5ZGK?=
Date: Fri, 27 Nov 2026 10:00:00 +0800
Message-ID: <$msgid>
Content-Type: text/plain; charset=utf-8

本月的报告见附件。
MSG
"$cli" imap "${imap[@]}" create "$folder" >/dev/null 2>&1
"$cli" imap "${imap[@]}" create "$dest" >/dev/null 2>&1
"$cli" imap "${imap[@]}" append "$folder" "$scratch/msg.eml" >/dev/null 2>&1

run account add --address "$HY_TEST_ALICE_ADDRESS" --name "Alice Wang" \
  --imap-host "$HY_TEST_HOST" --port "$HY_TEST_IMAPS_PORT" --security tls --user "$HY_TEST_ALICE_USER" \
  --smtp-host "$HY_TEST_HOST" --smtp-port "$HY_TEST_SUBMISSION_PORT" --smtp-security starttls \
  --password-env HY_TEST_ALICE_PASSWORD
if [ $rc != 0 ]; then
  echo "1..0 # SKIP cannot keep a password in the keyring: $(head -c 200 "$scratch/err")"
  exit 0
fi

run sync --once --ca-file "$HY_TEST_CA_FILE"
check "sync --once succeeds and says what it holds" bash -c "[ $rc = 0 ] && grep -q 'folders, .* messages, .* unread' '$scratch/out'"

run list "$folder" --json
check "list shows the synced message in the Chinese-named folder" bash -c "[ $rc = 0 ] && grep -qF '月度报告' '$scratch/out'"

run show "<$msgid>" --ca-file "$HY_TEST_CA_FILE"
check "show by Message-ID prints the message" bash -c "[ $rc = 0 ] && grep -qF 'Subject: 月度报告' '$scratch/out' && grep -qF '本月的报告' '$scratch/out'"

run show 999999
check "show of an unknown ROWID fails with status 1" test $rc = 1

run mark "$msgid" --read --flag --ca-file "$HY_TEST_CA_FILE"
check "mark --read --flag succeeds" test $rc = 0
run imap "${imap[@]}" fetch "$folder"
check "the server has the flags" bash -c "grep -qF 'Seen' '$scratch/out' && grep -qF 'Flagged' '$scratch/out'"

run move "$msgid" "$dest" --ca-file "$HY_TEST_CA_FILE"
check "move to another folder succeeds" test $rc = 0
run list "$dest" --json
check "the store shows it in the destination at once" bash -c "grep -qF '月度报告' '$scratch/out'"
run imap "${imap[@]}" status "$dest"
check "the server moved it" bash -c "grep -qE 'messages[^0-9]*1' '$scratch/out'"

run mark "$msgid" --unread --offline
check "mark --offline only queues" test $rc = 0
run sync --once --ca-file "$HY_TEST_CA_FILE"
check "sync replays the queued change" test $rc = 0
run imap "${imap[@]}" fetch "$dest"
check "the server has it unread again" bash -c "! grep -qF 'Seen' '$scratch/out'"

run delete "$msgid" --ca-file "$HY_TEST_CA_FILE"
check "delete succeeds" test $rc = 0
run list "$dest" --json
check "the message left the folder" bash -c "! grep -qF '月度报告' '$scratch/out'"

run mark --read
check "mark without messages is a usage error" test $rc = 2

"$cli" imap "${imap[@]}" delete "$folder" >/dev/null 2>&1
"$cli" imap "${imap[@]}" delete "$dest" >/dev/null 2>&1
"$cli" account remove "$HY_TEST_ALICE_ADDRESS" >/dev/null 2>&1

echo "1..$n"
[ $failed = 0 ]
