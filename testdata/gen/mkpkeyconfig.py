#!/usr/bin/env python3
"""Write synthetic pkeyconfig fixtures (shared/docs/reference/formats-keys.md
section 4) for license.ParsePkeyConfig.

usage: mkpkeyconfig.py OUTDIR ->
  OUTDIR/pkeyconfig.xrm-ms            default namespace (Windows 10/11 style)
  OUTDIR/pkeyconfig-downlevel.xrm-ms  'pkc:' prefixes (Windows 7 style), PKEY2005
  OUTDIR/pkeyconfig-csvlk.xrm-ms      payload is base64(gzip(xml))
  OUTDIR/README.md                    the configuration table

Only public IDs from formats-keys.md section 5 (GVLKs, generic keys) plus
clearly synthetic ones (00000000-0000-4000-8000-...). Group and serial of
every key are computed here by a base-24 decoder written independently of the
Go code and asserted against the section 5 tables. Part numbers and
descriptions that section 5 does not give are synthetic ("[SYN]...",
"(synthetic)"). Ranges are synthetic: each covers its keys' serials plus 99.
Nothing is signed; the XrML wrapper is minimal.

Synthetic extras:
* Pro GVLK config: an IsValid=false range 1000..1999.
* Pro generic config: a second, overlapping range 0..49 with another part
  number (lookups merge both part numbers into one match).
* Group 99999 ("firmware" OEM:DM group, for edition diagnostics): Core OEM:DM
  ...00d1 for serials 0..999999 and Professional OEM:DM ...00d2 for
  1000000..1999999 (one group, two configurations split by serial).
* Downlevel: group 178 Professional OEM:SLP (formats-keys.md TV7: serial
  926700437, part X15-37377), synthetic ActConfigId ...0007, PKEY2005.
* CSVLK: group 99100 ServerDatacenter Volume:CSVLK, synthetic ...00c1.
"""
import base64, gzip, os, sys

ALPHABET = 'BCDFGHJKMPQRTVWXY2346789'
ALG2009 = 'msft:rm/algorithm/pkey/2009'
ALG2005 = 'msft:rm/algorithm/pkey/2005'
NS_PKC = 'http://www.microsoft.com/DRM/PKEY/Configuration/2.0'


def crc32_bzip2(data):
    c = 0xFFFFFFFF
    for b in data:
        c ^= b << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7) if c & 0x80000000 else c << 1
            c &= 0xFFFFFFFF
    return c ^ 0xFFFFFFFF


def decode(key):
    """Key text -> (group, serial); asserts one N and a valid checksum."""
    k = key.replace('-', '').upper()
    assert len(k) == 25 and k.count('N') == 1, key
    p = k.index('N')
    v = p
    for c in k[:p] + k[p + 1:]:
        v = v * 24 + ALPHABET.index(c)
    chk = (v >> 103) & 0x3FF
    z = (v & ~(0x3FF << 103)).to_bytes(16, 'little')
    assert crc32_bzip2(z) & 0x3FF == chk, key
    return v & 0xFFFFF, (v >> 20) & 0x3FFFFFFF


# (key, group, serial, ActConfigId, EditionId, KeyType, description, part,
# EulaType); group/serial as printed in formats-keys.md section 5.
GV = 'Volume:GVLK'
KEYS = [
    # 5.1 GVLKs with an ActConfigId.
    ('W269N-WFGWX-YVC9B-4J6C9-T83GX', 3311, 1, '2de67392-b7a7-462a-b1ca-108dd189f588', 'Professional', GV,
     'Win 10 RTM Professional Volume:GVLK', '[TH]X19-98795', 'Volume'),
    ('MH37W-N47XK-V7XM9-C7227-GCQG9', 3319, 1, 'a80b5abf-76ad-428b-b05d-a47d2dffeebf', 'ProfessionalN', GV, None, None, 'Volume'),
    ('NRG8B-VKK3Q-CXVCJ-9G2XF-6Q84J', 3918, 1, '82bbc092-bc50-4e16-8e18-b74fc486aec3', 'ProfessionalWorkstation', GV, None, None, 'Volume'),
    ('9FNHH-K3HBT-3W4TD-6383H-6XYWF', 3923, 1, '4b1571d3-bafb-4b40-8087-a961be2caf65', 'ProfessionalWorkstationN', GV, None, None, 'Volume'),
    ('6TP4R-GNPTD-KYYHQ-7B7DP-J447Y', 3784, 1, '3f1afc82-f8ac-4f6c-8005-1d233e606eee', 'ProfessionalEducation', GV, None, None, 'Volume'),
    ('YVWGF-BXNMC-HTQYQ-CPQ99-66QFC', 3785, 1, '5300b18c-2e33-4dc2-8291-47ffcec746dd', 'ProfessionalEducationN', GV, None, None, 'Volume'),
    ('NW6C2-QMPVW-D7KKK-3GKT6-VCFB2', 3281, 1, 'e0c42288-980c-4788-a014-c080d2e1926e', 'Education', GV, None, None, 'Volume'),
    ('2WH4N-8QGBV-H22JP-CT43Q-MDWWJ', 3286, 1, '3c102355-d027-42c6-ad23-2e7ef8a02585', 'EducationN', GV, None, None, 'Volume'),
    ('NPPR9-FWDCX-D2C8J-H872K-2YT43', 3290, 3, '73111121-5638-40f6-bc11-f1d7b0d64300', 'Enterprise', GV,
     None, '[TH]X19-98698', 'Volume'),
    ('DPH2V-TTNVB-4X9Q3-TJR4H-KHJW4', 3299, 1, 'e272e3e2-732f-4c65-a8f0-484747d0d947', 'EnterpriseN', GV, None, 'X19-98747', 'Volume'),
    ('YYVX9-NTFWV-6MDM3-9PT4T-4M68B', 3856, 0, 'e0b2d383-d112-413f-8a80-97f373a5820c', 'EnterpriseG', GV, None, None, 'Volume'),
    ('44RPN-FTY23-9VTTB-MP9BX-T84FV', 3861, 0, 'e38454fb-41a4-4f59-a5dc-25080e354730', 'EnterpriseGN', GV, None, None, 'Volume'),
    ('M7XTQ-FN8P6-TTKYV-9D4CC-J462D', 4250, 2, '32d2fab3-e4a8-42c2-923b-4bf4fd13e6ee', 'EnterpriseS', GV, None, None, 'Volume'),
    ('92NFX-8DJQP-P6BBQ-THF9C-7CG2H', 4253, 0, '7103a333-b8c8-49cc-93ce-d37c09687f92', 'EnterpriseSN', GV, None, None, 'Volume'),
    ('KBN8V-HFGQ4-MGXVD-347P6-PDQGT', 4844, 1, '59eb965c-9150-42b7-a0ec-22151b9897c5', 'IoTEnterpriseS', GV, None, None, 'Volume'),
    ('DCPHK-NFMTC-H88MJ-PFHPY-QJ4BJ', 3782, 3, '2d5a5a60-3040-48bf-beb0-fcd770c20ce0', 'EnterpriseS', GV, None, None, 'Volume'),
    ('QFFDN-GRT3P-VKWWX-X7T3R-8B639', 3783, 3, '9f776d83-7156-45b2-8a5c-359b9c9f22a3', 'EnterpriseSN', GV, None, None, 'Volume'),
    ('WNMTR-4C88C-JK8YV-HQ7T2-76DF9', 3295, 1, '7b51a46c-0c04-4e8f-9af4-8496cca90d5e', 'EnterpriseS', GV, None, None, 'Volume'),
    ('2F77B-TNFGY-69QQF-B8YKP-D69TJ', 3302, 1, '87b838b7-41b6-4590-8318-5797951d8529', 'EnterpriseSN', GV, None, None, 'Volume'),
    ('VDYBN-27WPP-V4HQT-9VMD4-VMK7H', 4541, 1, '9bd77860-9b31-4b7b-96ad-2564017315bf', 'ServerStandard', GV,
     'Windows Server 2021 RTM ServerStandard Volume:GVLK', None, 'Volume'),
    ('WX4NM-KYWYW-QJJR4-XV3QB-6VM33', 4546, 1, 'ef6cfc9f-8c5d-44ac-9aad-de6a2ea0ae03', 'ServerDatacenter', GV, None, None, 'Volume'),
    ('NTBV8-9K7Q8-V27C6-M2BTV-KHMXV', 4469, 0, '19b5e0fb-4431-46bc-bac1-2f1873e4ae73', 'ServerTurbine', GV, None, None, 'Volume'),
    ('N69G4-B89J2-4G8F4-WWYCC-J464C', 4297, 0, 'de32eafd-aaee-4662-9444-c1befb41bde2', 'ServerStandard', GV, None, None, 'Volume'),
    ('WMDGN-G9PQG-XVVXX-R3X43-63DFG', 4300, 0, '34e1ae55-27f8-4950-8877-7a03be5fb181', 'ServerDatacenter', GV, None, None, 'Volume'),
    ('WVDHN-86M7X-466P6-VHXV7-YY726', 4332, 0, '034d3cbb-5d4b-4245-b3f8-f84571314078', 'ServerSolution', GV, None, None, 'Volume'),
    ('WC2BQ-8NRM3-FDDYY-2BFGV-KHKQY', 3776, 0, '8c1c5410-9f39-4805-8c9d-63a07706358f', 'ServerStandard', GV, None, None, 'Volume'),
    ('CB7KF-BWN84-R7R2Y-793K2-8XDDG', 3764, 0, '21c56779-b449-4d20-adfc-eece0e1ad74b', 'ServerDatacenter', GV, None, None, 'Volume'),
    ('JCKRF-N37P4-C2D82-9YXRT-4M63B', 3760, 0, '2b5a1b0f-a5ab-4c54-ac2f-a6d94824a283', 'ServerSolution', GV, None, None, 'Volume'),
    ('N2KJX-J94YW-TQVFB-DG9YT-724CC', 4313, 0, '73e3957c-fc0c-400d-9184-5f7b6f2eb409', 'ServerStandardACor', GV, None, None, 'Volume'),
    ('6NMRW-2C8FM-D24W7-TQWMY-CWH2D', 4314, 0, '90c362e5-0da1-4bfd-b53b-b87d309ade43', 'ServerDatacenterACor', GV, None, None, 'Volume'),
    ('TX9XD-98N7V-6WMQ6-BX7FG-H8Q99', 3263, 1, '58e97c99-f377-4ef1-81d5-4ad5522b5fd8', 'Core', GV, None, None, 'Volume'),
    ('3KHY7-WNT83-DGQKR-F7HPR-844BM', 3272, 1, '7b9e1751-a8da-4f75-9560-5fadfe3d8e38', 'CoreN', GV, None, None, 'Volume'),
    ('7HNRX-D7KGG-3K4RQ-4WPJ4-YTDFH', 3277, 1, 'cd918a57-a41b-4c82-8dce-1a538e221a83', 'CoreSingleLanguage', GV, None, None, 'Volume'),
    ('PVMJN-6DFY6-9CCP6-7BKTT-D3WVR', 3267, 1, 'a9107544-f4a0-4053-a96a-1479abdef912', 'CoreCountrySpecific', GV, None, None, 'Volume'),
    # 5.2 generic keys.
    ('YTMG3-N6DKC-DKB77-7M9GH-8HVX7', 3261, 0, '2b1f36bb-c1cd-4306-bf5c-a0367c2d97d8', 'Core', 'Retail', None, '[TH]X19-98868', 'Retail'),
    ('4CPRK-NM3K3-X6XXQ-RXX86-WXCHW', 3270, 0, 'f742e4ff-909d-4fe9-aacb-3231d24a0c58', 'CoreN', 'Retail', None, 'X19-98877', 'Retail'),
    ('BT79Q-G7N6G-PGBYW-4YWX6-6F4BT', 3276, 0, '3ae2cc14-ab2d-41f4-972f-5e20142771dc', 'CoreSingleLanguage', 'Retail', None, 'X19-99661', 'Retail'),
    ('N2434-X9D7W-8PF6X-8DV9T-8TYMD', 3266, 0, '1d1bac85-7365-4fea-949a-96978ec91ae0', 'CoreCountrySpecific', 'Retail', None, 'X19-99652', 'Retail'),
    ('VK7JG-NPHTM-C97JM-9MPGT-3V66T', 3308, 0, '4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c', 'Professional', 'Retail',
     'Win 10 RTM Professional Retail', '[TH]X19-98841', 'Retail'),
    ('2B87N-8KFHP-DKV6R-Y2C8J-PKCKT', 3316, 0, '9fbaf5d6-4d83-4422-870d-fdda6e5858aa', 'ProfessionalN', 'Retail', None, 'X19-98859', 'Retail'),
    ('DXG7C-N36C4-C4HTG-X4T3X-2YV77', 3917, 0, 'eb6d346f-1c60-4643-b960-40ec31596c45', 'ProfessionalWorkstation', 'Retail', None, '[RS3]X21-43626', 'Retail'),
    ('WYPNQ-8C467-V2W6J-TX4WX-WT2RQ', 3922, 0, '89e87510-ba92-45f6-8329-3afa905e3e83', 'ProfessionalWorkstationN', 'Retail', None, 'X21-43644', 'Retail'),
    ('8PTT6-RNW4C-6V7J2-C2D3X-MHBPB', 3800, 1, '62f0c100-9c53-4e02-b886-a3528ddfe7f6', 'ProfessionalEducation', 'Retail', None, '[RS1]X21-04955', 'Retail'),
    ('GJTYN-HDMQY-FRR76-HVGC7-QPF8P', 3801, 1, '13a38698-4a49-4b9e-8e83-98fe51110953', 'ProfessionalEducationN', 'Retail', None, 'X21-04956', 'Retail'),
    ('YNMGQ-8RYV3-4PGQ3-C8XTP-7CFBY', 3280, 0, 'e558417a-5123-4f6f-91e7-385c1c7ca9d4', 'Education', 'Retail', None, '[TH]X19-98886', 'Retail'),
    ('84NGF-MHBT6-FXBX8-QWJK7-DRR8H', 3285, 0, 'c5198a66-e435-4432-89cf-ec777c9d0352', 'EducationN', 'Retail', None, 'X19-98892', 'Retail'),
    ('XGVPP-NMH47-7TTHJ-W3FW7-8HV2C', 3289, 0, '8b351c9c-f398-4515-9900-09df49427262', 'Enterprise', 'OEM:NONSLP', None, 'X19-99683', 'OEM'),
    ('WGGHN-J84D6-QYCPR-T7PJ7-X766F', 3299, 0, 'e272e3e2-732f-4c65-a8f0-484747d0d947', 'EnterpriseN', GV, None, 'X19-98747', 'Volume'),
    ('FW7NV-4T673-HF4VX-9X4MM-B4H4T', 3860, 1, '8d6f6ffe-0c30-40ec-9db2-aad7b23bb6e3', 'EnterpriseGN', 'OEM:NONSLP', None, '[RS2]X21-24709', 'OEM'),
]

SYN = '00000000-0000-4000-8000-'


class Cfg:
    def __init__(self, acid, group, edition, desc, ktype, randomized=False):
        self.acid, self.group, self.edition = acid, group, edition
        self.desc, self.ktype, self.randomized = desc, ktype, randomized
        self.ranges = []  # (part, eula, valid, start, end)
        self.keys = []


def main_configs():
    cfgs, by_acid, n = [], {}, 0
    for key, group, serial, acid, ed, kt, desc, part, eula in KEYS:
        assert decode(key) == (group, serial), (key, decode(key), group, serial)
        c = by_acid.get(acid)
        if c is None:
            c = Cfg(acid, group, ed, desc or '%s %s (synthetic)' % (ed, kt), kt)
            by_acid[acid] = c
            cfgs.append(c)
        assert (c.group, c.edition, c.ktype) == (group, ed, kt), key
        c.keys.append((key, serial))
        if part and not any(r[0] == part for r in c.ranges):
            c.ranges.append([part, eula, True, None, None])
    for c in cfgs:
        if not c.ranges:
            n += 1
            c.ranges.append(['[SYN]X00-%05d' % n, 'Volume' if c.ktype == GV else 'Retail', True, None, None])
        lo = min(s for _, s in c.keys)
        hi = max(s for _, s in c.keys) + 99
        for r in c.ranges:
            r[3], r[4] = lo, hi
    by_acid['2de67392-b7a7-462a-b1ca-108dd189f588'].ranges.append(['[SYN]X00-00099', 'Volume', False, 1000, 1999])
    by_acid['4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c'].ranges.append(['[SYN]X00-00098', 'Retail', True, 0, 49])
    d1 = Cfg(SYN + '0000000000d1', 99999, 'Core', 'Win 10 RTM Core OEM:DM', 'OEM:DM', True)
    d1.ranges.append(['[SYN]X00-000D1', 'OEM', True, 0, 999999])
    d2 = Cfg(SYN + '0000000000d2', 99999, 'Professional', 'Win 10 RTM Professional OEM:DM', 'OEM:DM', True)
    d2.ranges.append(['[SYN]X00-000D2', 'OEM', True, 1000000, 1999999])
    return cfgs + [d1, d2]


def downlevel_configs():
    c = Cfg(SYN + '000000000007', 178, 'Professional', 'Windows 7 Professional OEM:SLP', 'OEM:SLP')
    c.ranges.append(['X15-37377', 'OEM', True, 926000000, 926999999])
    return [c]


def csvlk_configs():
    c = Cfg(SYN + '0000000000c1', 99100, 'ServerDatacenter',
            'Synthetic ServerDatacenter Volume:CSVLK', 'Volume:CSVLK')
    c.ranges.append(['[SYN]X00-000C1', 'Volume', True, 0, 999])
    return [c]


def esc(s):
    return s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def inner_xml(cfgs, alg, prefix=''):
    """ProductKeyConfiguration payload, CRLF lines, optional namespace prefix."""
    p = prefix + ':' if prefix else ''
    nsattr = 'xmlns%s="%s"' % (':' + prefix if prefix else '', NS_PKC)
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<%sProductKeyConfiguration %s>' % (p, nsattr)]

    def el(name, val):
        return '<%s%s>%s</%s%s>' % (p, name, esc(str(val)), p, name)

    out.append('<%sConfigurations>' % p)
    for c in cfgs:
        out.append('<%sConfiguration>' % p + ''.join([
            el('ActConfigId', '{%s}' % c.acid), el('RefGroupId', c.group), el('EditionId', c.edition),
            el('ProductDescription', c.desc), el('ProductKeyType', c.ktype),
            el('IsRandomized', 'true' if c.randomized else 'false')]) + '</%sConfiguration>' % p)
    out.append('</%sConfigurations>' % p)
    out.append('<%sKeyRanges>' % p)
    for c in cfgs:
        for part, eula, valid, start, end in c.ranges:
            assert start <= end
            out.append('<%sKeyRange>' % p + ''.join([
                el('RefActConfigId', '{%s}' % c.acid), el('PartNumber', part), el('EulaType', eula),
                el('IsValid', 'true' if valid else 'false'), el('Start', start), el('End', end)]) +
                '</%sKeyRange>' % p)
    out.append('</%sKeyRanges>' % p)
    out.append('<%sPublicKeys>' % p)
    pkv = base64.b64encode(b'msft:pkey/2009/cryptoprofile/hmac/sha256' if alg == ALG2009
                           else b'synthetic PKEY2005 public key placeholder').decode()
    for g in sorted({c.group for c in cfgs}):
        out.append('<%sPublicKey>' % p + el('GroupId', g) + el('AlgorithmId', alg) +
                   el('PublicKeyValue', pkv) + '</%sPublicKey>' % p)
    out.append('</%sPublicKeys>' % p)
    out.append('</%sProductKeyConfiguration>' % p)
    return ('\r\n'.join(out) + '\r\n').encode('utf-8')


def outer(payload, license_id):
    """Minimal unsigned XrML wrapper: UTF-8 BOM, one line."""
    b64 = base64.b64encode(payload).decode()
    s = ('<?xml version="1.0" encoding="utf-8"?>'
         '<rg:licenseGroup xmlns:rg="urn:mpeg:mpeg21:2003:01-REL-R-NS">'
         '<r:license xmlns:r="urn:mpeg:mpeg21:2003:01-REL-R-NS" licenseId="{%s}">'
         '<r:title>XrML 2.1 License - Product Key Configuration</r:title>'
         '<r:otherInfo xmlns:r="urn:mpeg:mpeg21:2003:01-REL-R-NS">'
         '<tm:infoTables xmlns:tm="http://www.microsoft.com/DRM/XrML2/TM/v2">'
         '<tm:infoList tag="#global">'
         '<tm:infoStr name="licenseType">msft:sl/PKEYCONFIG/SIGNED</tm:infoStr>'
         '<tm:infoStr name="licenseVersion">2.0</tm:infoStr>'
         '<tm:infoBin name="pkeyConfigData">%s</tm:infoBin>'
         '</tm:infoList></tm:infoTables></r:otherInfo></r:license></rg:licenseGroup>') % (license_id, b64)
    return b'\xef\xbb\xbf' + s.encode('utf-8')


def readme(files):
    rows = []
    for fname, cfgs in files:
        for c in cfgs:
            for part, eula, valid, start, end in c.ranges:
                keys = ', '.join(k for k, n in c.keys if start <= n <= end) or '-'
                rows.append('| %s | %d | %d..%d | %s | %s | %s | %s | %s | %s |' % (
                    fname, c.group, start, end, c.acid, c.edition, c.ktype, part,
                    'true' if valid else '**false**', keys))
    return ('# pkeyconfig fixtures\n\n'
            'Generated by `testdata/gen/mkpkeyconfig.py license/testdata/pkeyconfig`; do not edit.\n'
            'Synthetic, unsigned files. IDs are the public ones of formats-keys.md section 5 or clearly\n'
            'synthetic (`00000000-0000-4000-8000-...`); `[SYN]` part numbers and "(synthetic)"\n'
            'descriptions are made up. Ranges cover the listed keys\' serials plus 99.\n\n'
            '* `pkeyconfig.xrm-ms`: default namespace, plain base64 payload.\n'
            '* `pkeyconfig-downlevel.xrm-ms`: `pkc:` prefixes (Windows 7 style), one PKEY2005 group\n'
            '  (178, Professional OEM:SLP, TV7 serial 926700437). Pre-Windows 8 keys cannot be decoded\n'
            '  offline, so tests look this up by group/serial.\n'
            '* `pkeyconfig-csvlk.xrm-ms`: payload is base64(gzip(xml)).\n'
            '* Group 99999 is synthetic, for firmware-edition diagnostics: Core OEM:DM (serials\n'
            '  0..999999) and Professional OEM:DM (1000000..1999999) share it.\n\n'
            '| file | group | serials | ActConfigId | edition | channel | part | valid | keys |\n'
            '|---|---|---|---|---|---|---|---|---|\n' + '\n'.join(rows) + '\n')


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    main_c, down_c, csv_c = main_configs(), downlevel_configs(), csvlk_configs()
    files = {
        'pkeyconfig.xrm-ms': outer(inner_xml(main_c, ALG2009), SYN + '0000000000a1'),
        'pkeyconfig-downlevel.xrm-ms': outer(inner_xml(down_c, ALG2005, 'pkc'), SYN + '0000000000a2'),
        'pkeyconfig-csvlk.xrm-ms': outer(gzip.compress(inner_xml(csv_c, ALG2009), 9, mtime=0),
                                         SYN + '0000000000a3'),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)
    with open(os.path.join(out, 'README.md'), 'w') as f:
        f.write(readme([('pkeyconfig.xrm-ms', main_c), ('pkeyconfig-downlevel.xrm-ms', down_c),
                        ('pkeyconfig-csvlk.xrm-ms', csv_c)]))


if __name__ == '__main__':
    main()
