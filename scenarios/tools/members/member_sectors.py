"""US imports 2024 by member country (of world2024's aggregates) and world2024 sector, for the
sector mix of members.csv's US row (crates/tariffsim-data/examples/build_world2024.rs).

Inputs (cited, not copied): The Budget Lab at Yale, Tariff-Model @ 8efb3ed58023da703d62d43a10ba0ad6b814b677,
resources/rate_aggregation/2024/import_weights_hs10_country_2024.rds (2024 US consumption imports by
HS-10 x Census country x GTAP sector, US Census data); ../shared/data/us_imports_2024_gtap/
census_country_codes.csv; scenarios/tools/world2024_sectors.csv (GTAP -> world2024 sector); the member list of crates/tariffsim-data/data/world2024/members.csv.
Run: v/bin/python scenarios/tools/members/member_sectors.py RDS > scenarios/tools/members/us_imports_2024_by_member_sector.csv
"""
import csv, os, re, sys
import pyreadr
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
D = os.environ.get('SHARED_DATA', os.path.join(REPO, '..', 'shared', 'data')) + '/'
w = pyreadr.read_r(sys.argv[1])[None]
census = {r['Code']: r['Name'] for r in csv.DictReader(open(D + 'us_imports_2024_gtap/census_country_codes.csv'))}
g2s = {g: r['sector'] for r in csv.DictReader(open(os.path.join(REPO, 'scenarios/tools/world2024_sectors.csv'))) for g in r['gtap'].split()}
def norm(s): return re.sub(r'[^a-z]', '', s.lower())
byname = {norm(n): c for c, n in census.items()}
FIX = {'BRN': '5610', 'CIV': '7480', 'COD': '7660', 'CZE': '4351', 'DEU': '4280', 'DNK': '4099',
       'HKG': '5820', 'LAO': '5530', 'MDA': '4641', 'MMR': '5460', 'STP': '7644', 'TUR': '4890',
       'TZA': '7830', 'YEM': '5210'}
code_of = {}
for r in csv.DictReader(open(os.path.join(REPO, 'crates/tariffsim-data/data/world2024/members.csv'))):
    iso = r['member']
    c = FIX.get(iso) or byname.get(norm(r['name']))
    if c:
        code_of[iso] = c
iso_of = {c: i for i, c in code_of.items()}
tot = {}
for gtap, cty, v in zip(w['gtap_code'], w['cty_code'], w['imports']):
    iso = iso_of.get(cty); s = g2s.get(gtap)
    if iso is None or s is None or s == 'ELECTRICITY' or v != v:
        continue
    tot[(iso, s)] = tot.get((iso, s), 0.0) + v
out = csv.writer(sys.stdout, lineterminator='\n')
out.writerow(['iso3', 'census_code', 'sector', 'imports_usd'])
for (iso, s) in sorted(tot):
    out.writerow([iso, code_of[iso], s, f'{tot[(iso, s)]:.0f}'])
