#!/usr/bin/env python3
"""Write an empty 8 KiB regf hive (root nk + sk + free cell), per
shared/docs/reference/fixtures-and-libraries.md section 2.1.

usage: emptyhive.py OUT [--root ROOT] [--name EMBEDDED_PATH] [--minor 3|5]
"""
import argparse, struct

FILETIME = 133722144000000000  # 2024-10-01T00:00:00Z, fixed for reproducible output


def sid(rev_auth, subs):
    return struct.pack('<BB', 1, len(subs)) + rev_auth.to_bytes(6, 'big') + b''.join(struct.pack('<I', s) for s in subs)


def descriptor():
    everyone = sid(1, [0])
    ace = struct.pack('<BBHI', 0, 0x02, 8 + len(everyone), 0x000F003F) + everyone
    dacl = struct.pack('<BBHHH', 2, 0, 8 + len(ace), 1, 0) + ace
    owner = sid(5, [32, 544])
    group = sid(5, [18])
    off_dacl = 20
    off_owner = off_dacl + len(dacl)
    off_group = off_owner + len(owner)
    head = struct.pack('<BBHIIII', 1, 0, 0x8004, off_owner, off_group, 0, off_dacl)
    return head + dacl + owner + group


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--root', default='ROOT')
    ap.add_argument('--name', default='\\??\\C:\\Windows\\System32\\config\\SOFTWARE')
    ap.add_argument('--minor', type=int, default=3)
    a = ap.parse_args()
    f = bytearray(0x2000)
    name16 = a.name[-31:].encode('utf-16-le')[:64]
    struct.pack_into('<4sIIQIIIIIII', f, 0, b'regf', 1, 1, FILETIME, 1, a.minor, 0, 1, 0x20, 0x1000, 1)
    f[0x30:0x30 + len(name16)] = name16
    csum = 0
    for i in range(0, 0x1FC, 4):
        csum ^= struct.unpack_from('<I', f, i)[0]
    if csum == 0xFFFFFFFF:
        csum = 0xFFFFFFFE
    if csum == 0:
        csum = 1
    struct.pack_into('<I', f, 0x1FC, csum)
    hb = 0x1000
    struct.pack_into('<4sIIIIQI', f, hb, b'hbin', 0, 0x1000, 0, 0, FILETIME, 0)
    root = a.root.encode('ascii')
    sk_off = 0x78
    nk = struct.pack('<2sHQIIIIIIIIIIIIIIIHH', b'nk', 0x2C, FILETIME, 0, 0xFFFFFFFF, 0, 0,
                     0xFFFFFFFF, 0xFFFFFFFF, 0, 0xFFFFFFFF, sk_off, 0xFFFFFFFF, 0, 0, 0, 0, 0, len(root), 0) + root
    nk_size = (4 + len(nk) + 7) & ~7
    assert 0x20 + nk_size <= sk_off, 'root name too long'
    struct.pack_into('<i', f, hb + 0x20, -nk_size)
    f[hb + 0x24:hb + 0x24 + len(nk)] = nk
    sd = descriptor()
    sk = struct.pack('<2sHIIII', b'sk', 0, sk_off, sk_off, 1, len(sd)) + sd
    sk_size = (4 + len(sk) + 7) & ~7
    struct.pack_into('<i', f, hb + sk_off, -sk_size)
    f[hb + sk_off + 4:hb + sk_off + 4 + len(sk)] = sk
    free = sk_off + sk_size
    struct.pack_into('<i', f, hb + free, 0x1000 - free)
    open(a.out, 'wb').write(f)


if __name__ == '__main__':
    main()
