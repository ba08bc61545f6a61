#!/usr/bin/env python3
# test-mime-cli.py — hongyan-cli parse and compose as scripts use them:
# exit codes, JSON fields, nothing but the result on stdout/stderr
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import subprocess
import sys
import tempfile

cli, samples = sys.argv[1], sys.argv[2]
failures = []

ADDRESS_KEYS = ('from', 'sender', 'reply_to', 'to', 'cc', 'bcc')
PART_KEYS = ('path', 'content_type', 'charset', 'encoding', 'disposition', 'filename', 'content_id', 'size')


def check(condition, what):
    if not condition:
        failures.append(what)


def run(args):
    return subprocess.run([cli] + args, capture_output=True, timeout=60)


def check_model(name, model):
    for key in ('subject', 'date', 'message_id', 'in_reply_to', 'text'):
        check(key in model, f'{name}: no "{key}"')
    for key in ADDRESS_KEYS:
        check(isinstance(model.get(key), list), f'{name}: "{key}" is not an array')
        for a in model.get(key, []):
            check(set(a) == {'name', 'address'}, f'{name}: bad address object {a}')
    check(isinstance(model.get('references'), list), f'{name}: references')
    check(isinstance(model.get('has_html'), bool), f'{name}: has_html')
    check(isinstance(model.get('defects'), list), f'{name}: defects')
    for p in model.get('parts', []):
        check(all(k in p for k in PART_KEYS), f'{name}: part lacks keys: {p}')
        check(isinstance(p['size'], int) and p['size'] >= 0, f'{name}: part size {p}')
    for a in model.get('attachments', []):
        check(set(a) >= {'filename', 'content_type', 'size'}, f'{name}: attachment {a}')
    if model['date'] is not None:
        check(model['date'][-6] in '+-' and model['date'][-3] == ':', f'{name}: date {model["date"]}')
    if model['message_id'] is not None:
        check('<' not in model['message_id'], f'{name}: message_id has brackets')


# Every sample, malformed or not, parses with exit 0 and valid JSON only.
for name in sorted(os.listdir(samples)):
    path = os.path.join(samples, name)
    r = run(['parse', '--json', path])
    check(r.returncode == 0, f'{name}: exit {r.returncode}')
    check(r.stderr == b'', f'{name}: stderr {r.stderr[:200]!r}')
    try:
        model = json.loads(r.stdout.decode('utf-8'))
        check_model(name, model)
    except (ValueError, UnicodeDecodeError) as e:
        failures.append(f'{name}: not JSON: {e}')
    r = run(['parse', path])
    check(r.returncode == 0 and r.stderr == b'', f'{name}: text output failed')

m = json.loads(run(['parse', '--json', os.path.join(samples, 'outlook-attachment-names.eml')]).stdout)
check([a['filename'] for a in m['attachments']] == ['季度报告.pdf', '数据表.csv', '项目资料压缩包.zip'],
      f'outlook names: {m["attachments"]}')

# Usage errors and missing files.
check(run(['parse']).returncode == 2, 'parse without FILE is not a usage error')
r = run(['parse', '/nonexistent/x.eml'])
check(r.returncode == 1 and b'hongyan-cli:' in r.stderr and r.stdout == b'', 'missing file')

with tempfile.TemporaryDirectory() as tmp:
    att = os.path.join(tmp, '报告.bin')
    with open(att, 'wb') as f:
        f.write(bytes(range(256)) * 10)
    html = os.path.join(tmp, 'b.html')
    with open(html, 'w') as f:
        f.write('<p>hi <img src="cid:logo@x"></p>')
    logo = os.path.join(tmp, 'logo.png')
    with open(logo, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n0000')
    out = os.path.join(tmp, 'out.eml')
    r = run(['compose', '--from', '张三 <zs@example.org>', '--to', 'bob@example.org',
             '--to', 'Carol <carol@example.org>', '--cc', 'BOB@example.org', '--bcc', 'secret@example.net',
             '--reply-to', 'list@example.org', '--subject', '你好 world', '--body', 'line one\nline two',
             '--html-file', html, '--inline', logo + ':logo@x', '--attach', att + ':application/x-test',
             '--header', 'X-Test: 1', '-o', out])
    check(r.returncode == 0, f'compose exit {r.returncode} {r.stderr!r}')
    check(r.stderr == b'', f'compose stderr {r.stderr!r}')
    check(r.stdout.decode().split() == ['bob@example.org', 'carol@example.org', 'secret@example.net'],
          f'envelope {r.stdout!r}')
    wire = open(out, 'rb').read()
    check(b'secret@example.net' not in wire, 'Bcc leaked into the message')
    check(all(len(l) <= 998 for l in wire.split(b'\r\n')), 'line over 998')
    check(b'\n' not in wire.replace(b'\r\n', b''), 'bare LF')
    m = json.loads(run(['parse', '--json', out]).stdout)
    check(m['subject'] == '你好 world', f'subject {m["subject"]!r}')
    check(m['text'] == 'line one\nline two\n', f'text {m["text"]!r}')
    check(m['has_html'] is True, 'has_html')
    check([a['filename'] for a in m['attachments']] == ['报告.bin'], f'attachments {m["attachments"]}')
    check(m['attachments'][0]['size'] == 2560, 'attachment size')
    check(m['attachments'][0]['content_type'] == 'application/x-test', 'attachment type')
    check(any(p['content_id'] == 'logo@x' for p in m['parts']), 'inline part')

    r = run(['compose', '--from', 'a@example.org', '--to', 'b@example.org', '--subject', 's',
             '--body', 'x', '--header', 'X-Evil: a\r\nBcc: x@example.org', '-o', out])
    check(r.returncode == 2 and r.stdout == b'' and b'hongyan-cli:' in r.stderr, 'header injection accepted')
    r = run(['compose', '--from', 'a@example.org', '--to', 'not an address', '--subject', 's',
             '--body', 'x', '-o', out])
    check(r.returncode == 2, 'bad address accepted')
    r = run(['compose', '--from', 'a@example.org', '--to', 'b@example.org', '--subject', 's', '-o', out])
    check(r.returncode == 2, 'missing body accepted')
    r = run(['compose', '--from', 'a@example.org', '--to', 'b@example.org', '--subject', 's',
             '--body', 'x', '--attach', os.path.join(tmp, 'missing.pdf'), '-o', out])
    check(r.returncode == 1 and b'missing.pdf' in r.stderr, f'missing attachment: {r.returncode} {r.stderr!r}')

for f in failures:
    print('FAIL:', f)
sys.exit(1 if failures else 0)
