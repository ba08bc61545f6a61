#!/usr/bin/python3
# test-outbox-faults.py — kill -9 "hongyan-cli outbox flush" at each step of sending; nothing is lost
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A TLS proxy sits between hongyan-cli and the mail stack's Dovecot (SMTP
# submission and IMAP, both implicit TLS).  It relays the decrypted bytes
# and, at the step a scenario names, stops relaying and tells the test,
# which sends SIGKILL to the sending process.  Then the outbox is flushed
# again through a proxy that relays everything, and the copies of each
# message in bob's INBOX and alice's Sent are counted over IMAP.
#
# The only duplicate allowed is the one the outbox documents: the process
# dies after the server's final 250 for a message and before it commits
# that the message was sent.

import email.utils
import imaplib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

CLI = os.path.join(os.environ.get('HONGYAN_BUILD_ROOT', '_build'), 'src', 'cli', 'hongyan-cli')


class Proxy:
    """Relays implicit-TLS connections to (host, port), decrypting both ways.

    trigger(direction, data, state) decides where to stop: it returns None to
    relay data, or the number of bytes of data to relay before stopping."""

    def __init__(self, host, port, cert, key, ca):
        self.target = (host, port)
        self.server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_ctx.load_cert_chain(cert, key)
        self.client_ctx = ssl.create_default_context(cafile=ca)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.trigger = None
        self.serving = True
        self.stopped = threading.Event()
        self.connections = []
        self.accepted = 0
        self.client_bytes = b''
        threading.Thread(target=self._accept, daemon=True).start()

    def set_down(self, down):
        """A stopped server: nothing listens on the port (connections are refused)."""
        if down and self.serving:
            self.serving = False
            try:
                self.listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.listener.close()
        elif not down and not self.serving:
            self.listener = socket.socket()
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.listener.bind(('127.0.0.1', self.port))
            self.listener.listen(8)
            self.serving = True
            threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, trigger):
        self.stopped.clear()
        self.trigger = trigger

    def _accept(self):
        while True:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _stop(self):
        self.stopped.set()

    def _serve(self, raw):
        state = {'client': b'', 'server': b''}
        trigger = self.trigger
        try:
            client = self.server_ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            return
        if trigger is not None and trigger('connect', b'', state) is not None:
            self._stop()          # before anything reaches the server
            self.connections.append(client)
            return
        try:
            server = self.client_ctx.wrap_socket(socket.create_connection(self.target),
                                                 server_hostname=self.target[0])
        except OSError:
            client.close()
            return
        self.connections += [client, server]
        halted = threading.Event()

        def pump(src, dst, direction):
            while not halted.is_set():
                try:
                    data = src.recv(65536)
                except (OSError, ssl.SSLError):
                    data = b''
                if not data:
                    break
                if halted.is_set():
                    return
                if direction == 'client':
                    self.client_bytes += data
                cut = trigger(direction, data, state) if trigger is not None else None
                if cut is not None:
                    halted.set()
                    if cut > 0:
                        dst.sendall(data[:cut])
                    self._stop()
                    return        # hold the connection open, relay nothing more
                try:
                    dst.sendall(data)
                except (OSError, ssl.SSLError):
                    break
            if not halted.is_set():
                for s in (client, server):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threading.Thread(target=pump, args=(client, server, 'client'), daemon=True).start()
        threading.Thread(target=pump, args=(server, client, 'server'), daemon=True).start()

    def drop_all(self):
        for s in self.connections:
            try:
                s.close()
            except OSError:
                pass
        self.connections = []


# ---- triggers -------------------------------------------------------------

def at_connect():
    return lambda direction, data, state: 0 if direction == 'connect' else None


def after_command(verb, occurrence=1):
    """Stop right after the client's occurrence-th VERB command line."""
    def trigger(direction, data, state):
        if direction != 'client':
            return None
        state['client'] += data
        buf = b'\r\n' + state['client'].upper()
        pos = -1
        for _ in range(occurrence):
            pos = buf.find(b'\r\n' + verb, pos + 1)
            if pos < 0:
                return None
        end = buf.find(b'\r\n', pos + 2)
        if end < 0:
            return None
        # buf has two bytes more than state['client']
        relay = (end + 2 - 2) - (len(state['client']) - len(data))
        return min(max(relay, 0), len(data))
    return trigger


def in_data():
    """Stop half-way through the first message's content (DATA or BDAT)."""
    def trigger(direction, data, state):
        if direction != 'client':
            return None
        state['client'] += data
        if b'MAIL FROM' in state['client'].upper() and b'Subject:' in state['client']:
            return max(1, len(data) // 2)
        return None
    return trigger


def final_reply():
    """Let the server accept the first message, but never tell the client."""
    def trigger(direction, data, state):
        if direction == 'client':
            state['client'] += data
            buf = state['client']
            if b'Subject:' in buf and (b'\r\n.\r\n' in buf or b' LAST\r\n' in buf.upper()):
                state['ended'] = True
            return None
        if state.get('ended') and data.startswith(b'250'):
            return 0
        return None
    return trigger


def in_append():
    """Stop once the client has started an APPEND, before the literal ends."""
    def trigger(direction, data, state):
        if direction != 'client':
            return None
        state['client'] += data
        if b' APPEND ' in data.upper():
            line_end = data.find(b'\r\n', data.upper().find(b' APPEND '))
            return line_end + 2 + max(0, (len(data) - line_end - 2) // 2)
        return None
    return trigger


def after_append():
    """Let the server store the first Sent copy, but never tell the client."""
    def trigger(direction, data, state):
        if direction == 'client':
            state['client'] += data
            if b' APPEND ' in state['client'].upper():
                state['appending'] = True
            return None
        if state.get('appending'):
            for line in data.split(b'\r\n'):
                if line and line[:1] not in (b'+', b'*') and b' OK' in line.upper():
                    return 0
        return None
    return trigger


# ---- the test -----------------------------------------------------------------

class Env:
    def __init__(self):
        e = os.environ
        self.host = e['HY_TEST_HOST']
        self.ca = e['HY_TEST_CA_FILE']
        tls = os.path.join(e['HY_MAILSTACK_DIR'], 'tls')
        self.smtp = Proxy(self.host, int(e['HY_TEST_SUBMISSIONS_PORT']),
                          os.path.join(tls, 'server.pem'), os.path.join(tls, 'server.key'), self.ca)
        self.imap = Proxy(self.host, int(e['HY_TEST_IMAPS_PORT']),
                          os.path.join(tls, 'server.pem'), os.path.join(tls, 'server.key'), self.ca)
        self.alice = (e['HY_TEST_ALICE_USER'], e['HY_TEST_ALICE_PASSWORD'], e['HY_TEST_ALICE_ADDRESS'])
        self.bob = (e['HY_TEST_BOB_USER'], e['HY_TEST_BOB_PASSWORD'], e['HY_TEST_BOB_ADDRESS'])
        self.imaps_port = int(e['HY_TEST_IMAPS_PORT'])


def cli(env_vars, *args, check=True):
    result = subprocess.run([CLI] + list(args), env=env_vars, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError('hongyan-cli %s failed (%d): %s%s' % (' '.join(args), result.returncode,
                                                                 result.stdout, result.stderr))
    return result


def imap_count(env, who, folder, message_id):
    ctx = ssl.create_default_context(cafile=env.ca)
    with imaplib.IMAP4_SSL(env.host, env.imaps_port, ssl_context=ctx) as imap:
        imap.login(who[0], who[1])
        typ, _ = imap.select('"%s"' % folder, readonly=True)
        if typ != 'OK':
            return 0
        typ, data = imap.uid('SEARCH', None, 'HEADER', 'Message-ID', '"<%s>"' % message_id)
        return len(data[0].split()) if typ == 'OK' and data[0] else 0


def wait_counts(env, who, folder, expected, timeout=20):
    """Waits until every message has its expected count, then makes sure no
    more copies arrive; returns the counts."""
    deadline = time.time() + timeout
    counts = {}
    while time.time() < deadline:
        counts = {mid: imap_count(env, who, folder, mid) for mid in expected}
        if all(counts[m] >= expected[m] for m in expected):
            break
        time.sleep(0.3)
    time.sleep(1.5)
    return {mid: imap_count(env, who, folder, mid) for mid in expected}


def make_message(env, tag, n):
    mid = '%s.%d.%d.%s@example.org' % (tag, n, os.getpid(), int(time.time() * 1000))
    text = ('From: Alice <%s>\r\nTo: Bob <%s>\r\nSubject: %s %d\r\nMessage-ID: <%s>\r\n'
            'Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
            % (env.alice[2], env.bob[2], tag, n, mid, email.utils.formatdate()))
    text += ''.join('Line %d of message %d in the %s scenario.\r\n' % (i, n, tag) for i in range(400))
    return mid, text


def scenario(env, name, smtp_trigger=None, imap_trigger=None, server_down=False,
             expect_bob=None, n_messages=3):
    """Queues n_messages, runs a flush that is killed at the step (or meets a
    stopped server), flushes again, and returns bob's and Sent's counts."""
    home = tempfile.mkdtemp(prefix='hy-outbox-%s.' % name)
    env_vars = dict(os.environ)
    env_vars.update(XDG_CONFIG_HOME=os.path.join(home, 'config'),
                    XDG_DATA_HOME=os.path.join(home, 'data'),
                    XDG_CACHE_HOME=os.path.join(home, 'cache'),
                    HY_OUTBOX_TEST_PASSWORD=env.alice[1])
    account_id = 'outbox-%s' % name
    cli(env_vars, 'account', 'add', '--id', account_id, '--address', env.alice[2],
        '--name', 'Alice', '--imap-host', '127.0.0.1', '--port', str(env.imap.port),
        '--security', 'tls', '--user', env.alice[0],
        '--smtp-host', '127.0.0.1', '--smtp-port', str(env.smtp.port), '--smtp-security', 'tls',
        '--password-env', 'HY_OUTBOX_TEST_PASSWORD')
    ids = []
    mids = []
    for n in range(n_messages):
        mid, text = make_message(env, name, n)
        path = os.path.join(home, 'm%d.eml' % n)
        with open(path, 'w') as f:
            f.write(text)
        ids.append(cli(env_vars, 'queue', '--account', account_id, path).stdout.strip())
        mids.append(mid)

    flush = ['outbox', 'flush', '--account', account_id, '--ca-file', env.ca]
    if server_down:
        env.smtp.set_down(True)
        try:
            r = cli(env_vars, *flush, check=False)
        finally:
            env.smtp.set_down(False)
        assert r.returncode == 3, 'flush with the server stopped: exit %d, %s' % (r.returncode, r.stderr)
        listing = cli(env_vars, 'outbox', 'list', '--account', account_id).stdout
        assert listing.count('queued') == n_messages, listing
        for i in ids:                    # the user presses "retry" rather than wait for the backoff
            cli(env_vars, 'outbox', 'retry', '--no-flush', '--account', account_id, i)
    else:
        proxy = env.smtp if smtp_trigger is not None else env.imap
        proxy.arm(smtp_trigger or imap_trigger)
        proc = subprocess.Popen([CLI] + flush, env=env_vars, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if not proxy.stopped.wait(60):
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError('%s: the flush never reached the step (exit %s): %s %s'
                                 % (name, proc.returncode, out, err))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, proc.returncode
        proxy.arm(None)
        proxy.drop_all()
        env.smtp.arm(None)
        env.imap.arm(None)

    r = cli(env_vars, *flush)
    assert 'refused 0, deferred 0, waiting 0' in r.stdout, r.stdout
    left = cli(env_vars, 'outbox', 'list', '--account', account_id).stdout
    assert left == '', 'messages left in the outbox after %s: %s' % (name, left)

    expected = {m: 1 for m in mids}
    if expect_bob:
        expected.update({mids[i]: c for i, c in expect_bob.items()})
    bob = wait_counts(env, env.bob, 'INBOX', expected)
    sent = wait_counts(env, env.alice, 'Sent', {m: 1 for m in mids}, timeout=5)
    shutil.rmtree(home, ignore_errors=True)
    return mids, expected, bob, sent


def refused(env):
    """A 5xx keeps the message with the server's words; the others go out
    over the same SMTP session, RSET between them."""
    home = tempfile.mkdtemp(prefix='hy-outbox-refused.')
    env_vars = dict(os.environ)
    env_vars.update(XDG_CONFIG_HOME=os.path.join(home, 'config'),
                    XDG_DATA_HOME=os.path.join(home, 'data'),
                    XDG_CACHE_HOME=os.path.join(home, 'cache'),
                    HY_OUTBOX_TEST_PASSWORD=env.alice[1])
    account_id = 'outbox-refused'
    cli(env_vars, 'account', 'add', '--id', account_id, '--address', env.alice[2],
        '--name', 'Alice', '--imap-host', '127.0.0.1', '--port', str(env.imap.port),
        '--security', 'tls', '--user', env.alice[0],
        '--smtp-host', '127.0.0.1', '--smtp-port', str(env.smtp.port), '--smtp-security', 'tls',
        '--password-env', 'HY_OUTBOX_TEST_PASSWORD')
    mids = []
    ids = []
    for n in range(3):
        mid, text = make_message(env, 'refused', n)
        if n == 1:
            text = text.replace('To: Bob <%s>' % env.bob[2], 'To: Nobody <nobody@elsewhere.invalid>')
        path = os.path.join(home, 'm%d.eml' % n)
        with open(path, 'w') as f:
            f.write(text)
        ids.append(cli(env_vars, 'queue', '--account', account_id, path).stdout.strip())
        mids.append(mid)
    env.smtp.accepted = 0
    env.smtp.client_bytes = b''
    r = cli(env_vars, 'outbox', 'flush', '--account', account_id, '--ca-file', env.ca, check=False)
    assert r.returncode == 6, 'flush with a refused recipient: exit %d (%s)' % (r.returncode, r.stderr)
    assert 'sent 2, refused 1' in r.stdout, r.stdout
    assert env.smtp.accepted == 1, 'messages sent over %d SMTP connections' % env.smtp.accepted
    wire = env.smtp.client_bytes.upper()
    assert wire.count(b'MAIL FROM') == 3 and wire.count(b'RSET') >= 1, wire
    listing = cli(env_vars, 'outbox', 'list', '--account', account_id, '--json').stdout
    assert '"id":%s,"state":"failed"' % ids[1] in listing and '550' in listing, listing
    bob = wait_counts(env, env.bob, 'INBOX', {mids[0]: 1, mids[2]: 1})
    assert bob == {mids[0]: 1, mids[2]: 1}, bob
    # the user takes it back to fix it
    back = cli(env_vars, 'outbox', 'cancel', '--account', account_id, ids[1]).stdout
    assert 'nobody@elsewhere.invalid' in back
    assert cli(env_vars, 'outbox', 'list', '--account', account_id).stdout == ''
    shutil.rmtree(home, ignore_errors=True)
    print('ok refused: 550 kept with the server\'s words, the other two sent over one session')


def main():
    if not os.environ.get('HY_TEST_HOST'):
        if os.environ.get('HY_REQUIRE_MAILSTACK') == '1':
            print('HY_TEST_HOST is not set but HY_REQUIRE_MAILSTACK=1', file=sys.stderr)
            return 1
        print('SKIP: no mail stack (run inside tests/fixtures/mailstack run)')
        return 77
    env = Env()
    scenarios = [
        # name, keyword arguments, expected count in bob's INBOX per message index if not 1
        ('before-connect', dict(smtp_trigger=at_connect())),
        ('after-mail', dict(smtp_trigger=after_command(b'MAIL FROM'))),
        ('after-second-mail', dict(smtp_trigger=after_command(b'MAIL FROM', 2))),
        ('in-data', dict(smtp_trigger=in_data())),
        ('after-final-250', dict(smtp_trigger=final_reply(), expect_bob={0: 2})),
        ('in-sent-append', dict(imap_trigger=in_append())),
        ('after-sent-append', dict(imap_trigger=after_append())),
        ('server-stopped', dict(server_down=True)),
    ]
    only = sys.argv[1:]
    failures = 0
    total_delivered = 0
    for name, kwargs in scenarios:
        if only and name not in only:
            continue
        try:
            mids, expected, bob, sent = scenario(env, name, **kwargs)
            ok = bob == expected and all(v == 1 for v in sent.values())
            total_delivered += sum(bob.values())
            print('%s %s: bob %s (expected %s), Sent %s' % ('ok' if ok else 'FAIL', name,
                  [bob[m] for m in mids], [expected[m] for m in mids], [sent[m] for m in mids]))
            if not ok:
                failures += 1
        except Exception as e:  # report and go on with the other steps
            failures += 1
            print('FAIL %s: %s' % (name, e))
    if not only or 'refused' in only:
        try:
            refused(env)
        except Exception as e:
            failures += 1
            print('FAIL refused: %s' % e)
    print('%d scenario(s) failed; %d deliveries counted' % (failures, total_delivered))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
