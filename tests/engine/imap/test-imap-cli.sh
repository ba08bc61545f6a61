#!/usr/bin/env bash
# test-imap-cli.sh — "hongyan-cli imap" against the fixture's Dovecot: every
# sub-command over implicit TLS and STARTTLS, and the documented exit codes
#
# Usage: test-imap-cli.sh PATH-TO-hongyan-cli     (output is TAP)
# Runs inside "tests/fixtures/mailstack run"; without the stack it skips,
# unless HY_REQUIRE_MAILSTACK=1.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

cli=$1

if [ -z "${HY_TEST_HOST:-}" ]; then
  if [ "${HY_REQUIRE_MAILSTACK:-0}" = 1 ]; then
    echo "1..1"
    echo "not ok 1 - HY_TEST_HOST is unset: run this inside tests/fixtures/mailstack run"
    exit 1
  fi
  echo "1..0 # SKIP no mail stack (HY_TEST_HOST is unset)"
  exit 0
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/hongyan-imap-cli.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

n=0
failed=0
check() {
  # check DESCRIPTION CONDITION-COMMAND…
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

# run ARGS… : runs the CLI, keeps stdout/stderr, sets $rc
run() {
  "$cli" "$@" >"$scratch/out" 2>"$scratch/err"
  rc=$?
}

contains() { grep -qF -- "$1" "$scratch/out"; }
err_contains() { grep -qF -- "$1" "$scratch/err"; }

cat >"$scratch/msg.eml" <<MSG
From: Bob Chen <$HY_TEST_BOB_ADDRESS>
To: Alice Wang <$HY_TEST_ALICE_ADDRESS>
Subject: =?UTF-8?B?5pyI5bqm5oql5ZGK?=
Date: Fri, 27 Nov 2026 10:00:00 +0800
Message-ID: <cli-test@hongyan.test>
Content-Type: text/plain; charset=utf-8

本月的报告见附件。
MSG

for mode in tls starttls; do
  if [ $mode = tls ]; then port=$HY_TEST_IMAPS_PORT; else port=$HY_TEST_IMAP_PORT; fi
  conn=(--host "$HY_TEST_HOST" --port "$port" --security $mode --ca-file "$HY_TEST_CA_FILE"
        --user "$HY_TEST_ALICE_USER" --password-env HY_TEST_ALICE_PASSWORD)
  folder="命令行/测试-$mode"
  dest="归档-$mode"

  run imap "${conn[@]}" --json list
  check "$mode: list --json shows INBOX and the special-use Sent" \
    bash -c "[ $rc = 0 ] && grep -q '\"name\": \"INBOX\"' '$scratch/out' && grep -q '\"special_use\": \"\\\\\\\\Sent\"' '$scratch/out'"

  run imap "${conn[@]}" create "$folder"
  check "$mode: create a Chinese-named folder" test $rc = 0
  run imap "${conn[@]}" create "$dest"
  run imap "${conn[@]}" list
  check "$mode: list shows it by its Chinese name" bash -c "[ $rc = 0 ] && grep -qF '$folder' '$scratch/out'"

  run imap "${conn[@]}" append "$folder" "$scratch/msg.eml"
  uid=$(cat "$scratch/out")
  check "$mode: append prints the new UID" bash -c "[ $rc = 0 ] && [ '$uid' -gt 0 ]"

  run imap "${conn[@]}" --json fetch "$folder"
  check "$mode: fetch --json decodes the subject and names the sender" \
    bash -c "[ $rc = 0 ] && grep -qF '\"subject\": \"月度报告\"' '$scratch/out' && grep -qF '\"address\": \"$HY_TEST_BOB_ADDRESS\"' '$scratch/out'"

  run imap "${conn[@]}" --uids "$uid" --full fetch "$folder"
  check "$mode: fetch --full prints the message as stored" \
    bash -c "[ $rc = 0 ] && grep -qF '本月的报告见附件。' '$scratch/out' && grep -qF 'Message-ID: <cli-test@hongyan.test>' '$scratch/out'"

  run imap "${conn[@]}" --headers fetch "$folder"
  check "$mode: fetch --headers prints only the header" \
    bash -c "[ $rc = 0 ] && grep -qF 'Subject:' '$scratch/out' && ! grep -qF '本月' '$scratch/out'"

  run imap "${conn[@]}" search "$folder" "BODY 报告"
  check "$mode: search in Chinese finds the message" bash -c "[ $rc = 0 ] && [ \"\$(cat '$scratch/out')\" = '$uid' ]"

  run imap "${conn[@]}" --json search "$folder" "SEEN"
  check "$mode: search --json prints an empty list when nothing matches" bash -c "[ $rc = 0 ] && [ \"\$(cat '$scratch/out')\" = '[]' ]"

  run imap "${conn[@]}" store "$folder" "$uid" '+\Seen,\Flagged'
  check "$mode: store +FLAGS prints the new flags" \
    bash -c "[ $rc = 0 ] && grep -qF '\\Seen' '$scratch/out' && grep -qF '\\Flagged' '$scratch/out'"
  run imap "${conn[@]}" store "$folder" "$uid" '-\Flagged'
  check "$mode: store -FLAGS removes a flag" \
    bash -c "[ $rc = 0 ] && grep -qF '\\Seen' '$scratch/out' && ! grep -qF '\\Flagged' '$scratch/out'"

  run imap "${conn[@]}" move "$folder" "$uid" "$dest"
  check "$mode: move prints old and new UID" bash -c "[ $rc = 0 ] && grep -q \"^$uid	[0-9]\" '$scratch/out'"
  run imap "${conn[@]}" --json status "$folder"
  check "$mode: the source folder is empty after the move" bash -c "[ $rc = 0 ] && grep -qF '\"messages\": 0' '$scratch/out'"

  run imap "${conn[@]}" store "$dest" 1:* '+\Deleted'
  run imap "${conn[@]}" expunge "$dest"
  check "$mode: expunge succeeds" test $rc = 0
  run imap "${conn[@]}" status "$dest"
  check "$mode: expunge removed the deleted message" bash -c "[ $rc = 0 ] && grep -qx 'messages: 0' '$scratch/out'"

  run imap "${conn[@]}" delete "$folder"
  check "$mode: delete the folder" test $rc = 0
done

# IDLE sees a message bob sends to alice over SMTP
conn=(--host "$HY_TEST_HOST" --port "$HY_TEST_IMAPS_PORT" --security tls --ca-file "$HY_TEST_CA_FILE"
      --user "$HY_TEST_ALICE_USER" --password-env HY_TEST_ALICE_PASSWORD)
"$cli" imap "${conn[@]}" --timeout 8 idle INBOX >"$scratch/idle.out" 2>"$scratch/idle.err" &
idle_pid=$!
sleep 2
"$cli" send --host "$HY_TEST_HOST" --port "$HY_TEST_SUBMISSIONS_PORT" --security tls \
  --ca-file "$HY_TEST_CA_FILE" --user "$HY_TEST_BOB_USER" --password-env HY_TEST_BOB_PASSWORD \
  --from "$HY_TEST_BOB_ADDRESS" --rcpt "$HY_TEST_ALICE_ADDRESS" "$scratch/msg.eml" >/dev/null 2>"$scratch/send.err"
send_rc=$?
wait $idle_pid
idle_rc=$?
cp "$scratch/idle.out" "$scratch/out"; cp "$scratch/idle.err" "$scratch/err"
check "idle prints EXISTS for a message delivered by SMTP" \
  bash -c "[ $send_rc = 0 ] && [ $idle_rc = 0 ] && grep -q '^EXISTS [0-9]' '$scratch/idle.out'"

# exit codes
base=(--host "$HY_TEST_HOST" --ca-file "$HY_TEST_CA_FILE" --user "$HY_TEST_ALICE_USER")

run imap "${base[@]}" --port "$HY_TEST_IMAPS_PORT" --password-env HY_TEST_ALICE_PASSWORD status
check "exit 2 for a missing argument" bash -c "[ $rc = 2 ] && grep -q 'status' '$scratch/err'"

run imap "${base[@]}" --port 1 --password-env HY_TEST_ALICE_PASSWORD list
check "exit 3 when nothing listens" test $rc = 3

run imap --host "$HY_TEST_HOST" --port "$HY_TEST_IMAPS_PORT" --user alice --password-env HY_TEST_ALICE_PASSWORD list
check "exit 4 for a certificate nobody vouches for, with the fingerprint to pin" \
  bash -c "[ $rc = 4 ] && grep -q -- '--pin' '$scratch/err'"

run imap "${base[@]}" --port "$HY_TEST_IMAP_PORT" --security none --password-env HY_TEST_ALICE_PASSWORD list
check "exit 4 when the password would go unencrypted" test $rc = 4

run imap "${base[@]}" --port "$HY_TEST_IMAP_PORT" --security none --allow-plaintext-auth \
  --password-env HY_TEST_ALICE_PASSWORD --json status INBOX
check "plain IMAP works when the account allows it" test $rc = 0

export HY_WRONG_PASSWORD=wrong
run imap "${base[@]}" --port "$HY_TEST_IMAPS_PORT" --local-address 127.0.0.3 --password-env HY_WRONG_PASSWORD list
check "exit 5 for a wrong password, naming the user" bash -c "[ $rc = 5 ] && grep -q 'alice' '$scratch/err'"

run imap "${base[@]}" --port "$HY_TEST_IMAPS_PORT" --password-env HY_TEST_ALICE_PASSWORD status "没有这个"
check "exit 6 when the server refuses (no such mailbox)" bash -c "[ $rc = 6 ] && grep -q '$HY_TEST_HOST' '$scratch/err'"

run imap "${base[@]}" --port "$HY_TEST_POP3S_PORT" --password-env HY_TEST_ALICE_PASSWORD list
check "exit 7 when the server is not an IMAP server" test $rc = 7

echo "1..$n"
[ $failed = 0 ]
