#!/usr/bin/env python3
"""Write the .reg files of one fixture scenario, with DigitalProductId and
DigitalProductId4 built by an encoder written independently of the Go
decoder (shared/docs/reference/formats-keys.md sections 1-2).

usage: mkreg.py SCENARIO OUTDIR   -> OUTDIR/SOFTWARE.reg, OUTDIR/SYSTEM.reg
Only Microsoft-published KMS client keys and generic keys are used.
"""
import hashlib, struct, sys, zlib

ALPHABET = 'BCDFGHJKMPQRTVWXY2346789'


def encode_key(key):
    """25-char key text -> 15 little-endian bytes (with the N flag)."""
    k = key.replace('-', '').upper()
    assert len(k) == 25, key
    if 'N' in k:
        p = k.index('N')
        digits = [p] + [ALPHABET.index(c) for c in k[:p] + k[p + 1:]]
        assert len(digits) == 25
        flag = True
    else:
        digits = [ALPHABET.index(c) for c in k]
        flag = False
    v = 0
    for d in digits:
        v = v * 24 + d
    b = bytearray(v.to_bytes(15, 'little'))
    if flag:
        b[14] |= 0x08
    assert decode_key(bytes(b)) == key, (key, decode_key(bytes(b)))
    return bytes(b), v


def decode_key(b):
    b = bytearray(b)
    is_n = (b[14] >> 3) & 1
    b[14] &= 0xF7
    v = int.from_bytes(b, 'little')
    digits = []
    for _ in range(25):
        digits.insert(0, v % 24)
        v //= 24
    if is_n:
        p = digits[0]
        s = ''.join(ALPHABET[d] for d in digits[1:])
        s = s[:p] + 'N' + s[p:]
    else:
        s = ''.join(ALPHABET[d] for d in digits)
    return '-'.join(s[i:i + 5] for i in range(0, 25, 5))


def utf16(s, size):
    b = s.encode('utf-16-le')
    assert len(b) <= size
    return b + bytes(size - len(b))


def pid3(key, product_id, part_number, lic_type=0, install_time=0):
    kb, v = encode_key(key)
    group = v & 0xFFFFF if 'N' in key else 0
    b = bytearray(164)
    struct.pack_into('<IHH', b, 0, 164, 3, 0)
    b[8:8 + len(product_id)] = product_id.encode('ascii')
    struct.pack_into('<I', b, 0x20, group)
    b[0x24:0x24 + len(part_number)] = part_number.encode('ascii')
    b[52:67] = kb
    struct.pack_into('<III', b, 0x48, install_time, 0x2F5A1C3B, lic_type)
    struct.pack_into('<I', b, 0xA0, ~zlib.crc32(bytes(b[:0xA0])) & 0xFFFFFFFF)
    return bytes(b)


def pid4(key, ext_pid, activation_id, edition, part_number, channel, eula):
    kb, _ = encode_key(key)
    b = bytearray(1272)
    struct.pack_into('<IHH', b, 0, 1272, 4, 0)
    b[0x008:0x088] = utf16(ext_pid, 128)
    b[0x088:0x108] = utf16(activation_id, 128)
    b[0x118:0x320] = utf16(edition, 520)
    b[0x328:0x337] = kb
    b[0x338:0x358] = hashlib.sha256(bytes(b[0x328:0x338])).digest()
    b[0x378:0x3F8] = utf16(part_number, 128)
    b[0x3F8:0x478] = utf16(channel, 128)
    b[0x478:0x4F8] = utf16(eula, 128)
    b[0x358:0x378] = hashlib.sha256(bytes(b)).digest()
    return bytes(b)


# --- value helpers ---------------------------------------------------------
def sz(s):
    return ('sz', s)


def dword(n):
    return ('dword', n)


def qword(n):
    return ('qword', n)


def binary(b):
    return ('hex', b)


def fmt_value(name, v):
    kind, data = v
    q = '"%s"' % name.replace('\\', '\\\\').replace('"', '\\"')
    if kind == 'sz':
        return '%s="%s"' % (q, data.replace('\\', '\\\\').replace('"', '\\"'))
    if kind == 'dword':
        return '%s=dword:%08x' % (q, data)
    if kind == 'qword':
        return '%s=hex(b):%s' % (q, ','.join('%02x' % c for c in struct.pack('<Q', data)))
    if kind == 'hex':
        return '%s=hex:%s' % (q, ','.join('%02x' % c for c in data))
    raise ValueError(kind)


def write_reg(path, prefix, keys):
    """keys: dict path -> dict name -> value; ancestors are emitted first."""
    out = ['Windows Registry Editor Version 5.00', '']
    done = set()
    for kp in keys:
        parts = kp.split('\\')
        for i in range(1, len(parts) + 1):
            anc = '\\'.join(parts[:i])
            if anc in done:
                continue
            done.add(anc)
            out.append('[%s\\%s]' % (prefix, anc))
            for name, v in keys.get(anc, {}).items():
                out.append(fmt_value(name, v))
            out.append('')
    open(path, 'w', newline='\r\n').write('\n'.join(out) + '\n')


# --- scenarios --------------------------------------------------------------
CV = 'Microsoft\\Windows NT\\CurrentVersion'
SPP = CV + '\\SoftwareProtectionPlatform'
UNIX_2024_10_01 = 1727740800
FT = lambda unix: unix * 10_000_000 + 116444736000000000

PRO_ACT = '4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c'  # Windows 10/11 Pro retail (public, MAS HWID list)
PRO_GVLK_ACT = '2de67392-b7a7-462a-b1ca-108dd189f588'  # Pro Volume:GVLK (formats-keys.md 5.1)
HOME_ACT = '2b1f36bb-c1cd-4306-bf5c-a0367c2d97d8'  # Home generic retail (formats-keys.md 5.2)


def client(product, edition, build, ubr, display, key, product_id, channel, eula, part, act, lic=0, extra=None,
           install=UNIX_2024_10_01):
    v = {
        'ProductName': sz(product), 'EditionID': sz(edition), 'CompositionEditionID': sz('Enterprise' if edition != 'Core' else 'Core'),
        'DisplayVersion': sz(display), 'ReleaseId': sz('2009'), 'CurrentBuild': sz(str(build)),
        'CurrentBuildNumber': sz(str(build)), 'UBR': dword(ubr), 'CurrentMajorVersionNumber': dword(10),
        'CurrentMinorVersionNumber': dword(0), 'CurrentVersion': sz('6.3'), 'InstallationType': sz('Client'),
        'ProductId': sz(product_id), 'RegisteredOwner': sz('Fixture'), 'InstallDate': dword(install),
        'InstallTime': qword(FT(install)),
        'BuildLabEx': sz('%d.%d.amd64fre.ge_release.240331-1435' % (build, ubr)),
        'DigitalProductId': binary(pid3(key, product_id, part, lic, install)),
        'DigitalProductId4': binary(pid4(key, '03612-%05d-000-000000-%02d-1033-%d.0000-2752024' % (encode_key(key)[1] & 0xFFFFF, lic, build),
                                         act, edition, part, channel, eula)),
    }
    if extra:
        v.update(extra)
    return v


def system(computer, product_type='WinNT', history=None):
    keys = {
        'Select': {'Current': dword(1), 'Default': dword(1), 'Failed': dword(0), 'LastKnownGood': dword(1)},
        'ControlSet001\\Control\\ComputerName\\ComputerName': {'ComputerName': sz(computer)},
        'ControlSet001\\Control\\ProductOptions': {'ProductType': sz(product_type)},
        'Setup': {'SystemSetupInProgress': dword(0), 'UninstallWindow': dword(10)},
    }
    for name, vals in (history or {}).items():
        keys['Setup\\' + name] = vals
    return keys


def scenario(name):
    if name == 'gpt-win11':
        sw = {CV: client('Windows 10 Pro', 'Professional', 26100, 2771, '24H2', 'VK7JG-NPHTM-C97JM-9MPGT-3V66T',
                         '00330-80000-00000-AA380', 'Retail', 'Retail', '[TH]X19-98841', PRO_ACT),
              SPP: {'BackupProductKeyDefault': sz('VK7JG-NPHTM-C97JM-9MPGT-3V66T'),
                    'TokenStore': sz('%SystemRoot%\\System32\\spp\\store\\2.0')}}
        old_install = 1700000000  # 2023-11-14T22:13:20Z
        hist = {'Source OS (Updated on 3/2/2025 09:14:55)': {
            'ProductName': sz('Windows 10 Pro'), 'EditionID': sz('Professional'), 'DisplayVersion': sz('22H2'),
            'CurrentBuild': sz('19045'), 'CurrentBuildNumber': sz('19045'), 'UBR': dword(5011),
            'InstallationType': sz('Client'), 'ProductId': sz('00330-80000-00000-AA111'),
            'InstallDate': dword(old_install), 'InstallTime': qword(FT(old_install)),
            'DigitalProductId': binary(pid3('W269N-WFGWX-YVC9B-4J6C9-T83GX', '00330-80000-00000-AA111', '[TH]X19-98795', 3, old_install)),
            'DigitalProductId4': binary(pid4('W269N-WFGWX-YVC9B-4J6C9-T83GX', '03612-03311-000-000001-03-1033-19045.0000-3182023',
                                             PRO_GVLK_ACT, 'Professional', '[TH]X19-98795', 'Volume:GVLK', 'Volume')),
        }}
        return sw, system('DEMO-PC', history=hist)
    if name == 'gpt-win11-old':
        # The Windows.old of the demo disk: the Windows 10 it was upgraded from.
        old_install = 1700000000
        sw = {CV: client('Windows 10 Pro', 'Professional', 19045, 5011, '22H2', 'W269N-WFGWX-YVC9B-4J6C9-T83GX',
                         '00330-80000-00000-AA111', 'Volume:GVLK', 'Volume', '[TH]X19-98795', PRO_GVLK_ACT, 3,
                         install=old_install)}
        return sw, system('DEMO-PC')
    if name == 'mbr-ext-win10':
        sw = {CV: client('Windows 10 Enterprise', 'Enterprise', 19045, 5011, '22H2', 'NPPR9-FWDCX-D2C8J-H872K-2YT43',
                         '00329-00000-00003-AA066', 'Volume:GVLK', 'Volume', '[TH]X19-99683',
                         '73111121-5638-40f6-bc11-f1d7b0d64300', 3)}
        return sw, system('MBR-ENT-01')
    if name == 'gpt4k-server':
        sw = {CV: client('Windows Server 2022 Standard', 'ServerStandard', 20348, 2849, '21H2', 'VDYBN-27WPP-V4HQT-9VMD4-VMK7H',
                         '00454-40000-00001-AA078', 'Volume:GVLK', 'Volume', '[FE]X23-12345',
                         '9bd77860-9b31-4b7b-96ad-2564017315bf', 3, extra={'InstallationType': sz('Server')}),
              SPP: {'KeyManagementServiceName': sz('kms.example.test'), 'KeyManagementServicePort': sz('1688')}}
        return sw, system('SRV-4K', 'ServerNT')
    if name == 'gpt-server-eval':
        # Datacenter evaluation with a Standard KMS client key and no KMS host:
        # the key-edition, evaluation and KMS findings must all fire.
        sw = {CV: client('Windows Server 2022 Datacenter Evaluation', 'ServerDatacenterEval', 20348, 2849, '21H2',
                         'VDYBN-27WPP-V4HQT-9VMD4-VMK7H', '00454-40000-00001-AA111', 'Volume:GVLK', 'Volume', '[FE]X23-12345',
                         '9bd77860-9b31-4b7b-96ad-2564017315bf', 3, extra={'InstallationType': sz('Server')})}
        # DigitalProductId4 names the key's own edition, ServerStandard.
        sw[CV]['DigitalProductId4'] = binary(pid4('VDYBN-27WPP-V4HQT-9VMD4-VMK7H', '03612-04541-000-000001-03-1033-20348.0000-2752024',
                                                  '9bd77860-9b31-4b7b-96ad-2564017315bf', 'ServerStandard', '[FE]X23-12345',
                                                  'Volume:GVLK', 'Volume'))
        return sw, system('SRV-EVAL', 'ServerNT')
    if name == 'gpt-bitlocker-hiber-old':
        # The same SOFTWARE before BackupProductKeyDefault was written.
        sw, sysk = scenario('gpt-bitlocker-hiber')
        del sw[SPP]['BackupProductKeyDefault']
        sw[SPP]['TokenStore'] = sz('%SystemRoot%\\System32\\spp\\store\\2.0')
        return sw, sysk
    if name == 'gpt-bitlocker-hiber':
        sw = {CV: client('Windows 10 Home', 'Core', 19045, 4291, '22H2', 'YTMG3-N6DKC-DKB77-7M9GH-8HVX7',
                         '00326-10000-00000-AA123', 'Retail', 'Retail', '[TH]X19-98868',
                         HOME_ACT),
              SPP: {'BackupProductKeyDefault': sz('YTMG3-N6DKC-DKB77-7M9GH-8HVX7')}}
        return sw, system('HOME-LAPTOP')
    if name == 'mbr-win7':
        v = {'ProductName': sz('Windows 7 Professional'), 'EditionID': sz('Professional'), 'CurrentVersion': sz('6.1'),
             'CurrentBuild': sz('7601'), 'CurrentBuildNumber': sz('7601'), 'CSDVersion': sz('Service Pack 1'),
             'InstallationType': sz('Client'), 'ProductId': sz('00371-868-0000007-85081'), 'InstallDate': dword(1300000000),
             'DigitalProductId': binary(pid3('FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4', '00371-868-0000007-85081', 'X15-37373', 3, 1300000000)),
             'DigitalProductId4': binary(pid4('FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4', '55041-00371-868-000007-03-1033-7601.0000-0742011',
                                              'b92e9980-b9d5-4821-9c94-140f632f6312', 'Professional', 'X15-37373', 'Volume:GVLK', 'Volume'))}
        return {CV: v}, system('WIN7-PC')
    if name == 'vol-win11home':
        sw = {CV: client('Windows 10 Home', 'Core', 22631, 4460, '23H2', 'YTMG3-N6DKC-DKB77-7M9GH-8HVX7',
                         '00342-20000-00000-AA456', 'Retail', 'Retail', '[TH]X19-98868',
                         HOME_ACT),
              SPP: {'BackupProductKeyDefault': sz('YTMG3-N6DKC-DKB77-7M9GH-8HVX7')}}
        return sw, system('HOME-11')
    raise SystemExit('unknown scenario ' + name)


def main():
    name, out = sys.argv[1], sys.argv[2]
    sw, sysk = scenario(name)
    write_reg(out + '/SOFTWARE.reg', 'HKEY_LOCAL_MACHINE\\SOFTWARE', sw)
    write_reg(out + '/SYSTEM.reg', 'HKEY_LOCAL_MACHINE\\SYSTEM', sysk)


if __name__ == '__main__':
    main()
