#!/usr/bin/env bash
# tests/integration/mailstack-proof.sh — proves the test mail stack works, using curl only
#
# Alice sends a message to bob, with a Bcc to herself, over the submission
# port (STARTTLS + AUTH).  Bob then finds it over IMAPS and POP3S, alice finds
# her Bcc copy, and the submission rawlog shows what curl put on the wire.
# Logins over every other listener work with TLS, logins from a non-local
# address without TLS are refused, and mail for strangers is not relayed.  Output is TAP.
#
# Runs inside "tests/fixtures/mailstack run" (build-aux/dev test does that);
# without the stack it skips, unless HY_REQUIRE_MAILSTACK=1.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

if [ -z "${HY_TEST_HOST:-}" ]; then
  if [ "${HY_REQUIRE_MAILSTACK:-0}" = 1 ]; then
    echo "1..1"
    echo "not ok 1 - HY_TEST_HOST is unset: run this inside tests/fixtures/mailstack run"
    exit 1
  fi
  echo "1..0 # SKIP no mail stack (HY_TEST_HOST is unset; see tests/fixtures/README.md)"
  exit 0
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/hongyan-proof.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=$((failed + 1))
  echo "not ok $n - $1"
  shift
  local line
  for line in "$@"; do
    printf '#   %s\n' "$line"
  done
}
# check DESCRIPTION COMMAND…: one TAP line, the command's output on failure.
check() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then
    ok "$what"
  else
    local rc=$?
    mapfile -t lines <<<"$out"
    not_ok "$what" "exit status $rc of: $*" "${lines[@]: -15}"
  fi
}

host=localhost
ca=$HY_TEST_CA_FILE
alice=$HY_TEST_ALICE_USER:$HY_TEST_ALICE_PASSWORD
bob=$HY_TEST_BOB_USER:$HY_TEST_BOB_PASSWORD
curl_tls=(curl --silent --show-error --max-time 20 --cacert "$ca")

# A token that makes this run's message unique, even with other tests
# sending mail through the same stack at the same time.
token=proof-$(date +%s)-$$-$RANDOM
message_id="<$token@hongyan.test>"
subject="Stack proof $token: 鸿雁 carries letters"

cat > "$scratch/message.eml" <<EOF
From: $HY_TEST_ALICE_NAME <$HY_TEST_ALICE_ADDRESS>
To: $HY_TEST_BOB_NAME <$HY_TEST_BOB_ADDRESS>
Bcc: $HY_TEST_ALICE_ADDRESS
Subject: =?UTF-8?B?$(printf '%s' "$subject" | base64 -w0)?=
Date: $(LC_ALL=C date -R)
Message-ID: $message_id
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Hello Bob,

this message proves that the test mail stack delivers: $token

鸿雁传书。
Alice
EOF
sed -i 's/$/\r/' "$scratch/message.eml"

echo "1..16"

# 1. Submission with STARTTLS and AUTH; the envelope names alice as Bcc.
check "alice submits to bob with a Bcc to herself over submission with STARTTLS" \
  "${curl_tls[@]}" --ssl-reqd "smtp://$host:$HY_TEST_SUBMISSION_PORT/proof.hongyan.test" \
    --user "$alice" --mail-from "$HY_TEST_ALICE_ADDRESS" \
    --mail-rcpt "$HY_TEST_BOB_ADDRESS" --mail-rcpt "$HY_TEST_ALICE_ADDRESS" \
    --upload-file "$scratch/message.eml"

# Prints the UIDs in the INBOX of user:password $1 whose Message-ID is ours,
# waiting up to 15 s for the delivery to arrive.
find_uid() {
  local who=$1 i out
  for ((i = 0; i < 75; i++)); do
    out=$("${curl_tls[@]}" "imaps://$host:$HY_TEST_IMAPS_PORT/INBOX" --user "$who" \
          --request "UID SEARCH HEADER Message-ID \"$token\"" 2>&1) || { echo "$out"; return 1; }
    out=$(sed -n 's/^\* SEARCH//p' <<<"$out" | tr -d '\r' | xargs)
    if [ -n "$out" ]; then
      echo "$out"
      return 0
    fi
    sleep 0.2
  done
  echo "no message with Message-ID $message_id arrived within 15 s"
  return 1
}

# 2-4. Bob's INBOX over IMAPS.
if uid=$(find_uid "$bob"); then
  ok "bob's INBOX holds the message over IMAPS (UID $uid)"
  "${curl_tls[@]}" "imaps://$host:$HY_TEST_IMAPS_PORT/INBOX/;UID=${uid%% *}" --user "$bob" \
    > "$scratch/bob-imap.eml" 2>&1
  if grep -qF "$token" "$scratch/bob-imap.eml" && grep -qi "^Message-ID: $message_id" "$scratch/bob-imap.eml"; then
    ok "the message fetched over IMAPS has our Message-ID and body"
  else
    mapfile -t lines < "$scratch/bob-imap.eml"
    not_ok "the message fetched over IMAPS has our Message-ID and body" "${lines[@]:0:20}"
  fi
  if grep -qi '^Bcc:' <(sed '/^\r*$/q' "$scratch/bob-imap.eml"); then
    not_ok "bob's copy carries no Bcc header" "$(grep -i '^Bcc:' "$scratch/bob-imap.eml")"
  else
    ok "bob's copy carries no Bcc header"
  fi
else
  not_ok "bob's INBOX holds the message over IMAPS" "$uid"
  not_ok "the message fetched over IMAPS has our Message-ID and body" "not fetched"
  not_ok "bob's copy carries no Bcc header" "not fetched"
fi

# 5. Bob's mailbox over POP3S: one of the messages is ours.
found=""
if list=$("${curl_tls[@]}" "pop3s://$host:$HY_TEST_POP3S_PORT/" --user "$bob" 2>&1); then
  while read -r num _; do
    num=${num%$'\r'}
    [ -n "$num" ] || continue
    if "${curl_tls[@]}" "pop3s://$host:$HY_TEST_POP3S_PORT/$num" --user "$bob" 2>/dev/null \
       | grep -qF "$token"; then
      found=$num
      break
    fi
  done <<<"$list"
fi
if [ -n "$found" ]; then
  ok "bob's mailbox holds the message over POP3S (message $found)"
else
  not_ok "bob's mailbox holds the message over POP3S" "LIST said:" "$list"
fi

# 6. Alice, the Bcc, received it too.
if uid=$(find_uid "$alice"); then
  ok "alice, the Bcc recipient, received it too (UID $uid)"
else
  not_ok "alice, the Bcc recipient, received it too" "$uid"
fi

# 7. The rawlog of the submission service shows what curl sent.  Dovecot
# writes one ".out" file a relayed connection, each line after a timestamp.
rawlog=$(grep -lF "$token" "$HY_TEST_SUBMISSION_RAWLOG_DIR"/*.out 2>/dev/null | head -n 1)
if [ -n "$rawlog" ]; then
  sed 's/^[0-9][0-9.]* //; s/\r$//' "$rawlog" > "$scratch/rawlog.txt"
fi
if [ -n "$rawlog" ] \
   && grep -q "^MAIL FROM:<$HY_TEST_ALICE_ADDRESS>" "$scratch/rawlog.txt" \
   && grep -q "^RCPT TO:<$HY_TEST_BOB_ADDRESS>" "$scratch/rawlog.txt" \
   && grep -q "^RCPT TO:<$HY_TEST_ALICE_ADDRESS>" "$scratch/rawlog.txt" \
   && grep -q "^Bcc: $HY_TEST_ALICE_ADDRESS" "$scratch/rawlog.txt" \
   && grep -qF "Message-ID: $message_id" "$scratch/rawlog.txt"; then
  ok "the submission rawlog shows the envelope and the Bcc header curl sent"
else
  not_ok "the submission rawlog shows the envelope and the Bcc header curl sent" \
    "rawlog file: ${rawlog:-none in $HY_TEST_SUBMISSION_RAWLOG_DIR}" \
    "$(head -c 600 "${rawlog:-/dev/null}" 2>/dev/null | tr -d '\r')"
fi

# 8. Alice's own rawlog has the session as curl sent it, after the login.
rawlog=$(grep -lF "$token" "$HY_TEST_ALICE_RAWLOG_DIR"/*.in 2>/dev/null | head -n 1)
if [ -n "$rawlog" ]; then
  tr -d '\r' < "$rawlog" > "$scratch/client-rawlog.txt"
fi
if [ -n "$rawlog" ] \
   && grep -q "^MAIL FROM:<$HY_TEST_ALICE_ADDRESS>" "$scratch/client-rawlog.txt" \
   && grep -q "^RCPT TO:<$HY_TEST_ALICE_ADDRESS>" "$scratch/client-rawlog.txt" \
   && grep -q "^Bcc: $HY_TEST_ALICE_ADDRESS" "$scratch/client-rawlog.txt" \
   && ! grep -qF "$HY_TEST_ALICE_PASSWORD" "$rawlog"; then
  ok "alice's rawlog holds the submission session as curl sent it, without the password"
else
  not_ok "alice's rawlog holds the submission session as curl sent it, without the password" \
    "rawlog file: ${rawlog:-none in $HY_TEST_ALICE_RAWLOG_DIR}"
fi

# 9-10. Implicit TLS submission, by name and by address (the certificate
# names both).
check "alice logs in over implicit-TLS submission (localhost)" \
  "${curl_tls[@]}" "smtps://localhost:$HY_TEST_SUBMISSIONS_PORT/proof.hongyan.test" \
    --user "$alice" --request NOOP
check "alice logs in over implicit-TLS submission (127.0.0.1)" \
  "${curl_tls[@]}" "smtps://127.0.0.1:$HY_TEST_SUBMISSIONS_PORT/proof.hongyan.test" \
    --user "$alice" --request NOOP

# 11-12. STARTTLS on IMAP and STLS on POP3 work with the test CA.
check "bob logs in over IMAP with STARTTLS" \
  "${curl_tls[@]}" --ssl-reqd "imap://$host:$HY_TEST_IMAP_PORT/INBOX" --user "$bob" --request NOOP
check "bob logs in over POP3 with STLS" \
  "${curl_tls[@]}" --ssl-reqd "pop3://$host:$HY_TEST_POP3_PORT/" --user "$bob"

# 13-15. Seen from 127.0.0.2 the connection is not local: without TLS the
# servers offer no login and refuse one that is tried anyway; with STARTTLS
# they accept it.  The dialogue goes over curl's telnet:// client.
talk() {
  local port=$1
  shift
  printf '%s\r\n' "$@" | curl --silent --max-time 10 --interface 127.0.0.2 \
    "telnet://127.0.0.1:$port" 2>&1 | tr -d '\r'
}
plain=$(printf '\0%s\0%s' "$HY_TEST_ALICE_USER" "$HY_TEST_ALICE_PASSWORD" | base64 -w0)
out=$(talk "$HY_TEST_SUBMISSION_PORT" "EHLO proof.hongyan.test" "AUTH PLAIN $plain" "QUIT")
if grep -q '^250[ -]STARTTLS' <<<"$out" && ! grep -q '^250[ -]AUTH .' <<<"$out" \
   && grep -q '^5[0-9][0-9] ' <<<"$(sed -n '/^250 /,$p' <<<"$out" | sed -n 2p)" \
   && ! grep -q '^235' <<<"$out"; then
  ok "submission from 127.0.0.2 without TLS offers no AUTH and refuses AUTH PLAIN"
else
  mapfile -t lines <<<"$out"
  not_ok "submission from 127.0.0.2 without TLS offers no AUTH and refuses AUTH PLAIN" "${lines[@]}"
fi
out=$(talk "$HY_TEST_IMAP_PORT" "a LOGIN $HY_TEST_BOB_USER $HY_TEST_BOB_PASSWORD" "b LOGOUT")
if grep -q 'LOGINDISABLED' <<<"$out" && grep -q '^a NO ' <<<"$out"; then
  ok "IMAP from 127.0.0.2 without TLS says LOGINDISABLED and refuses LOGIN"
else
  mapfile -t lines <<<"$out"
  not_ok "IMAP from 127.0.0.2 without TLS says LOGINDISABLED and refuses LOGIN" "${lines[@]}"
fi
check "AUTH on submission from 127.0.0.2 with STARTTLS works" \
  "${curl_tls[@]}" --interface 127.0.0.2 --ssl-reqd \
    "smtp://127.0.0.1:$HY_TEST_SUBMISSION_PORT/proof.hongyan.test" --user "$alice" --request NOOP

# 16. Mail for an address the stack does not host is refused, not relayed.
out=$("${curl_tls[@]}" --ssl-reqd "smtp://$host:$HY_TEST_SUBMISSION_PORT/proof.hongyan.test" \
      --user "$alice" --mail-from "$HY_TEST_ALICE_ADDRESS" --mail-rcpt "nobody-$token@example.net" \
      --upload-file "$scratch/message.eml" 2>&1)
rc=$?
if [ "$rc" -eq 55 ]; then
  ok "a recipient outside $HY_TEST_DOMAIN is refused at RCPT"
else
  not_ok "a recipient outside $HY_TEST_DOMAIN is refused at RCPT" "curl exited with $rc, expected 55: $out"
fi

[ "$failed" -eq 0 ]
