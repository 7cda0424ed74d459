"""Reciprocal-duty subject shares by exporter and sector: the share of 2024 US imports from an
exporter in each of world2024's 22 sectors that is NOT on the exemption lists (Annex II and the
electronics exemption), at HTS-10 level.

Inputs (cited, not copied):
  - The Budget Lab at Yale, Tariff-Model @ 8efb3ed58023da703d62d43a10ba0ad6b814b677,
    resources/rate_aggregation/2024/import_weights_hs10_country_2024.rds: 2024 US consumption
    imports by HS-10 x Census country x GTAP sector (US Census data).
  - ../shared/data/us_tariff_measures_2025/budgetlab_tracker/ieepa_exempt_products_hts.csv: the
    4,297 exempt HTS-10 lines (tariff-rate-tracker, MIT).
  - ../shared/data/us_imports_2024_gtap/census_country_to_partner_group.csv;
  - scenarios/tools/world2024_sectors.csv (GTAP -> world2024 sector, written by build_world2024).
Run: python3 -m venv v && v/bin/pip install pyreadr pandas && \
     v/bin/python scenarios/tools/subject_shares/compute.py RDS_PATH > scenarios/tools/subject_shares/subject_shares.csv
"""
import csv, os, sys
import pyreadr

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
D = os.environ.get('SHARED_DATA', os.path.join(REPO, '..', 'shared', 'data')) + '/'
rds = sys.argv[1]
w = pyreadr.read_r(rds)[None]
exempt = {r['hts10'] for r in csv.DictReader(open(D + 'us_tariff_measures_2025/budgetlab_tracker/ieepa_exempt_products_hts.csv'))}
g2s = {g: r['sector'] for r in csv.DictReader(open(os.path.join(REPO, 'scenarios/tools/world2024_sectors.csv'))) for g in r['gtap'].split()}
group = {r['cty_code']: r['partner'] for r in csv.DictReader(open(D + 'us_imports_2024_gtap/census_country_to_partner_group.csv'))}
REGION = {'5700': 'CHN', '5820': 'CHN', '5660': 'CHN', '5520': 'VNM', '5830': 'TWN', '5880': 'JPN',
          '5800': 'KOR', '5330': 'IND', '3510': 'BRA', '4120': 'GBR', '4621': 'RUS', '5070': 'IRN',
          '1220': 'CAN', '2010': 'MEX'}
def region(code):
    if code in REGION:
        return REGION[code]
    if group.get(code) == 'eu':
        return 'EU27'
    return 'OTHER'   # the aggregates (ASEAN_OTH, AFRICA, LATAM_OTH, MIDEAST_TUR, ROW)
tot = {}; sub = {}
for hs10, gtap, cty, v in zip(w['hs10'], w['gtap_code'], w['cty_code'], w['imports']):
    s = g2s.get(gtap)
    if s is None or s == 'ELECTRICITY' or v != v:
        continue
    key = (region(cty), s)
    tot[key] = tot.get(key, 0.0) + v
    if hs10 not in exempt:
        sub[key] = sub.get(key, 0.0) + v
out = csv.writer(sys.stdout, lineterminator='\n')
out.writerow(['exporter', 'sector', 'imports_usd', 'subject_share'])
for (r, s) in sorted(tot):
    t = tot[(r, s)]
    out.writerow([r, s, f'{t:.0f}', f'{sub.get((r, s), 0.0) / t:.4f}' if t > 0 else ''])
