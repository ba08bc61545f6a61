#!/usr/bin/env python3
# gen-corpus.py — writes a reproducible corpus of varied messages for bench-mime
#
# Usage: gen-corpus.py OUTDIR [COUNT]   (COUNT defaults to 3000)
#
# The mix follows what a mailbox holds: short plain notes, Chinese mail in
# GB2312/GBK/UTF-8, HTML newsletters with alternatives and inline images,
# Outlook and Apple Mail attachments, forwarded messages, mailing-list mail
# with format=flowed, and a few malformed messages.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import base64
import os
import quopri
import random
import sys

rng = random.Random(20261127)

WORDS = ('the meeting report budget project schedule review please attached find below '
         'thanks regards update draft version final numbers quarter team customer order').split()
HANZI = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞'


def words(n):
    return ' '.join(rng.choice(WORDS) for _ in range(n))


def hanzi(n):
    return ''.join(rng.choice(HANZI) for _ in range(n))


def paragraphs(n, chinese=False):
    out = []
    for _ in range(n):
        if chinese:
            s = hanzi(rng.randint(40, 160))
            out.append('\n'.join(s[i:i + 36] for i in range(0, len(s), 36)))
        else:
            s = words(rng.randint(30, 120)).split(' ')
            lines, line = [], ''
            for w in s:
                if len(line) + len(w) > 72:
                    lines.append(line)
                    line = ''
                line += ('' if not line else ' ') + w
            lines.append(line)
            out.append('\n'.join(lines))
    return '\n\n'.join(out) + '\n'


def b64(data):
    return base64.encodebytes(data).decode()


def ew(text, charset='utf-8'):
    return '=?%s?B?%s?=' % (charset, base64.b64encode(text.encode('gb18030' if charset != 'utf-8' else 'utf-8')).decode())


def headers(i, subject, extra=''):
    return (f'Return-Path: <sender{i}@example.com>\n'
            f'Received: from mx{i % 7}.example.com (mx.example.com [192.0.2.{i % 250}]) by mail.example.org;'
            f' Fri, 27 Nov 2026 09:{i % 60:02d}:00 +0800\n'
            f'From: {ew("发件人" + str(i), rng.choice(["utf-8", "gb2312"]))} <sender{i}@example.com>\n'
            f'To: Reader <reader@example.org>, team{i % 5}@example.org\n'
            f'Subject: {subject}\n'
            f'Date: Fri, 27 Nov 2026 09:{i % 60:02d}:00 +0800\n'
            f'Message-ID: <msg{i}.{rng.randint(0, 1 << 30)}@example.com>\n'
            f'{extra}MIME-Version: 1.0\n')


def plain(i):
    return headers(i, words(6)) + 'Content-Type: text/plain; charset=us-ascii\n\n' + paragraphs(rng.randint(1, 6))


def chinese(i):
    cs = rng.choice(['gb2312', 'gbk', 'utf-8'])
    body = paragraphs(rng.randint(1, 5), chinese=True).encode('gb18030' if cs != 'utf-8' else 'utf-8')
    return (headers(i, ew(hanzi(10), 'gb2312' if cs != 'utf-8' else 'utf-8'))
            + f'Content-Type: text/plain; charset={cs}\nContent-Transfer-Encoding: base64\n\n' + b64(body))


def newsletter(i):
    text = paragraphs(3, chinese=True)
    html = '<html><head><style>p{margin:0}</style></head><body>' + ''.join(
        f'<p>{p}</p><img src="cid:img{k}@news">' for k, p in enumerate(text.split('\n\n'))) + '</body></html>\n'
    images = ''.join(f'--REL\nContent-Type: image/png\nContent-ID: <img{k}@news>\nContent-Transfer-Encoding: base64\n\n'
                     + b64(rng.randbytes(rng.randint(2000, 12000))) + '\n' for k in range(3))
    return (headers(i, ew('本周精选 ' + hanzi(6)), 'List-Id: <weekly.news.example.cn>\n'
                    'List-Unsubscribe: <https://news.example.cn/u>\n')
            + 'Content-Type: multipart/related; boundary="REL"\n\n--REL\n'
            + 'Content-Type: multipart/alternative; boundary="ALT"\n\n--ALT\n'
            + 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n'
            + b64(text.encode()) + '\n--ALT\n'
            + 'Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n'
            + quopri.encodestring(html.encode()).decode() + '\n--ALT--\n\n' + images + '--REL--\n')


def with_attachments(i):
    parts = ''
    for k in range(rng.randint(1, 3)):
        name = rng.choice(['report.pdf', '季度报告.xlsx', 'photo.jpg', '合同 final.docx'])
        if any(ord(c) > 127 for c in name):
            cd = "attachment; filename*=UTF-8''" + ''.join(c if c.isascii() and c.isalnum() or c in '.-' else
                                                           ''.join('%%%02X' % b for b in c.encode()) for c in name)
            ct_name = ew(name)
        else:
            cd = f'attachment; filename="{name}"'
            ct_name = name
        parts += (f'--MIX\nContent-Type: application/octet-stream; name="{ct_name}"\nContent-Disposition: {cd}\n'
                  f'Content-Transfer-Encoding: base64\n\n' + b64(rng.randbytes(rng.randint(5000, 60000))) + '\n')
    return (headers(i, 'Re: ' + words(5)) + 'Content-Type: multipart/mixed; boundary="MIX"\n\n'
            + 'This is a multi-part message in MIME format.\n\n--MIX\n'
            + 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n'
            + quopri.encodestring(paragraphs(2).encode()).decode() + '\n' + parts + '--MIX--\n')


def flowed(i):
    body = paragraphs(4).replace('\n', ' \n').replace(' \n \n', '\n\n')
    return (headers(i, '[list] ' + words(5), 'List-Id: Dev <dev.lists.example.org>\n')
            + 'Content-Type: text/plain; charset=utf-8; format=flowed\n\n' + body)


def forwarded(i):
    return (headers(i, 'Fwd: ' + words(4)) + 'Content-Type: multipart/mixed; boundary="F"\n\n--F\n'
            + 'Content-Type: text/plain\n\nSee below.\n\n--F\nContent-Type: message/rfc822\n\n'
            + with_attachments(i + 100000) + '\n--F--\n')


def malformed(i):
    kind = rng.randint(0, 2)
    if kind == 0:   # truncated multipart
        return with_attachments(i)[:rng.randint(800, 3000)]
    if kind == 1:   # mislabelled charset, raw 8-bit
        return (headers(i, hanzi(8)).encode('gb18030').decode('latin-1')
                + 'Content-Type: text/plain; charset=gb2312\n\n'
                + paragraphs(2, chinese=True).encode('gb18030').decode('latin-1'))
    return headers(i, 'bad') + 'Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!' + b64(rng.randbytes(3000))


KINDS = [(plain, 30), (chinese, 20), (newsletter, 15), (with_attachments, 15), (flowed, 10),
         (forwarded, 5), (malformed, 5)]


def main():
    if len(sys.argv) < 2:
        sys.exit('usage: gen-corpus.py OUTDIR [COUNT]')
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    os.makedirs(out, exist_ok=True)
    kinds = [k for k, w in KINDS for _ in range(w)]
    total = 0
    for i in range(count):
        text = rng.choice(kinds)(i)
        data = text.encode('latin-1') if all(ord(c) < 256 for c in text) else text.encode('utf-8')
        data = data.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
        with open(os.path.join(out, f'{i:05d}.eml'), 'wb') as f:
            f.write(data)
        total += len(data)
    print(f'{count} messages, {total / 1e6:.1f} MB in {out}')


if __name__ == '__main__':
    main()
