# Generator for scenarios/us_2025.toml (draft for issue 17). Computes every AVE from the stored
# reference data. Usage (from the repository root):
#   tariffsim baseline export world2024 --out /tmp/world2024 && \
#   BASELINE_EXPORT=/tmp/world2024 python3 scenarios/tools/us_2025/gen.py   (writes scenarios/us_2025.toml)
# SHARED_DATA defaults to ../shared/data beside the repository.
# Sectors: world2024's 22 goods sectors (2024.8) and their GTAP codes, from
# scenarios/tools/world2024_sectors.csv; each GTAP code belongs to exactly one sector.
import csv, collections, json, os
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
D = os.environ.get('SHARED_DATA', os.path.join(REPO, '..', 'shared', 'data')) + '/'
BASE = os.environ['BASELINE_EXPORT']
SECTORS_CSV=list(csv.DictReader(open(os.path.join(REPO,'scenarios','tools','world2024_sectors.csv'))))
SECT=[r['sector'] for r in SECTORS_CSV]
g2s={g:r['sector'] for r in SECTORS_CSV for g in r['gtap'].split()}
# The CAN/MEX "energy" rate (10%): EO 14193/14194 take "energy or energy resources" from EO 14156
# s.8(a): crude oil, natural gas, NGLs, refined petroleum products, coal, uranium and critical
# minerals (MEM) -> coal/oil/gas, refined petroleum, and other mining (ores: uranium, critical minerals).
ENERGY=['ENERGY_EXTRACTION','PETROLEUM','OTHER_MINING']
# The sectors of the old METALS_MINERALS group, and the three with Section 232 steel/aluminium goods.
METALS=['NONMETALLIC_MINERALS','IRON_STEEL','NONFERROUS_METALS','FABRICATED_METALS']
imp={r['gtap_code']:{k:float(v) for k,v in r.items() if k!='gtap_code'} for r in csv.DictReader(open(D+'us_imports_2024_gtap/us_imports_2024_by_gtap_partner_usd.csv'))}
etr=collections.defaultdict(dict)
for r in csv.DictReader(open(D+'us_tariff_measures_2025/budgetlab_tracker/etr_by_gtap.csv')): etr[r['gtap_code']][r['date']]=float(r['etr'])
usm={r['gtap_code']:(float(r['canada']),float(r['mexico'])) for r in csv.DictReader(open(D+'us_tariff_measures_2025/budgetlab_tracker/usmca_shares_by_gtap.csv'))}
base={}; us_to_chn={}
for r in csv.DictReader(open('' + BASE + '/flows.csv')):
    if r['importer']=='USA' and r['exporter']!='USA': base[r['exporter'],r['sector']]=(float(r['value_usd']),float(r['tariff']))
    if r['importer']=='CHN' and r['exporter']=='USA': us_to_chn[r['sector']]=float(r['value_usd'])
assert set(s for _,s in base)==set(SECT), 'the baseline export and world2024_sectors.csv name different sectors'
P=['china','canada','mexico','uk','japan','eu','row','ftrow']
# 1. reciprocal subject share by sector (tracker: 03-17 -> 04-17 change = 10% x subject share x non-CA/MX weight)
num=collections.defaultdict(float); den=collections.defaultdict(float)
for g,v in imp.items():
    if g=='ely': continue
    W=sum(v.values()); nc=W-v['canada']-v['mexico']
    d=etr[g]['2025-04-17']-etr[g]['2025-03-17']
    num[g2s[g]]+=min(d*W/0.10,nc); den[g2s[g]]+=nc
subj={s:max(0.0,min(1.0,num[s]/den[s])) for s in SECT}
# 2. Section 232 steel/aluminium coverage by sector: each of IRON_STEEL, NONFERROUS_METALS and
#    FABRICATED_METALS is one GTAP code (i_s, nfm, fmp), whose coverage is the tracker's 04-17 -> 07-17
#    change (232 25% -> 50%, +copper 50% in nfm at the tracker's 07-01 date) / 25%. NONMETALLIC_MINERALS
#    (nmm) has no 232 steel/aluminium goods.
cov={}
for g in ['i_s','fmp','nfm','nmm']:
    cov[g]=(etr[g]['2025-07-17']-etr[g]['2025-04-17'])/0.25
CU_NFM=0.065   # assumption: copper 232 scope ~5 bn of nfm's 76.6 bn (cathodes excluded) -> 2 x 0.25 x 0.065 = 0.0325 of the nfm change
cov_al=(etr['nfm']['2025-07-17']-etr['nfm']['2025-04-17']-0.5*CU_NFM)/0.25
SA={'IRON_STEEL':min(1,cov['i_s']),'NONFERROUS_METALS':cov_al,'FABRICATED_METALS':cov['fmp']}
def not232(s):
    """Share of sector s outside Section 232 steel/aluminium (those goods are exempt from the IEEPA duties)."""
    return 1-SA.get(s,0.0)
def s232_of(p):
    """The old one-number share of METALS_MINERALS (import-weighted over nmm, i_s, nfm, fmp for BL partner
    group p): printed for comparison with the per-sector shares only."""
    G={'i_s':SA['IRON_STEEL'],'fmp':SA['FABRICATED_METALS'],'nfm':SA['NONFERROUS_METALS'],'nmm':0.0}
    return sum(imp[g][p]*G[g] for g in G)/sum(imp[g][p] for g in G)
# 3. USMCA claim shares by sector (tracker), weighted by 2024 imports
def usmca(idx,p):
    out={}
    for s in SECT:
        gs=[g for g in imp if g2s.get(g)==s and g in usm]
        W=sum(imp[g][p] for g in gs); out[s]=sum(imp[g][p]*usm[g][idx] for g in gs)/W if W else 0
    return out
U={'CAN':usmca(0,'canada'),'MEX':usmca(1,'mexico')}
print(json.dumps({'subj':subj,'cov':cov,'cov_al':cov_al,'s232_by_sector':SA,'s232_old_metals_share':{p:s232_of(p) for p in P},'U':U},indent=1))

# ------------------------------------------------------------------ emit TOML
def pct(r):
    s=f"{100*r:.2f}".rstrip('0').rstrip('.'); return s+'%'
def q(x): return json.dumps(x) if isinstance(x,str) else '['+', '.join(json.dumps(v) for v in x)+']'
out=[]; names=[]; model=[]   # model: list of (name, exporters, sectors, path, exclusive) for the offline check
def cov_txt(c):
    if isinstance(c,dict):
        return '{ '+', '.join(f'{k} = {round(v,4)}' for k,v in c.items())+' }'
    return f'{round(c,4)}'
def layer(name, authority, exporters, path, sectors=None, except_=None, except_sectors=None, exclusive=None,
          stacking=None, note=None, coverage=None):
    """path: list of (date, rate, comment); coverage: list of (date, share or {sector: share}, comment)"""
    """path: list of (date, rate, comment)"""
    assert name not in names; names.append(name)
    if note:
        for l in note.strip().split('\n'): out.append('# '+l if l else '#')
    out.append('[[layer]]'); out.append(f'name = "{name}"'); out.append(f'authority = {json.dumps(authority)}')
    out.append('importer = "USA"'); out.append(f'exporters = {q(exporters)}')
    if except_: out.append(f'except = {q(except_)}')
    if sectors: out.append(f'sectors = {q(sectors)}')
    if except_sectors: out.append(f'except_sectors = {q(except_sectors)}')
    d0,r0,c0=path[0]
    out.append(f'rate = "{pct(r0)}"'+(f'   # {c0}' if c0 else ''))
    out.append(f'effective = {d0}')
    if stacking: out.append(f'stacking = "{stacking}"')
    if exclusive: out.append(f'exclusive_with = {q(exclusive)}')
    if coverage:
        assert coverage[0][0]==d0
        out.append(f'coverage = {cov_txt(coverage[0][1])}'+(f'   # {coverage[0][2]}' if coverage[0][2] else ''))
    for d,r,c in path[1:]:
        out.append('[[layer.step]]'); out.append(f'date = {d}'); out.append(f'rate = "{pct(r)}"'+(f'   # {c}' if c else ''))
    if coverage:
        for d,c,cm in coverage[1:]:
            out.append('[[layer.coverage_step]]'); out.append(f'date = {d}'); out.append(f'coverage = {cov_txt(c)}'+(f'   # {cm}' if cm else ''))
    out.append('')
    model.append(dict(name=name,exporters=exporters,except_=except_ or [],sectors=sectors,except_sectors=except_sectors or [],path=path,exclusive=exclusive or []))
def sec(txt):
    out.append('# '+'-'*98); 
    for l in txt.strip().split('\n'): out.append('# '+l if l else '#')
    out.append('# '+'-'*98); out.append('')

# Section 122 (us_2026.toml) bins: one layer per bin, one rate each (10% x the bin's subject share).
BINS=[('a',['TEXTILE_APPAREL','ELECTRICAL_EQUIP','MOTOR_VEHICLES'],1.0),
      ('b',['AGRICULTURE','FISHING','FOOD','OTHER_MINING','WOOD','PAPER','CHEMICALS','RUBBER_PLASTICS','MACHINERY','OTHER_MFG'],None),
      ('elec',['ELECTRONICS'],subj['ELECTRONICS']),
      ('otn',['OTHER_TRANSPORT'],subj['OTHER_TRANSPORT']),
      ('metals',METALS,None)]
# bin b factor: weighted by world2024 US imports from exporters other than CHN/CAN/MEX
wb={s:sum(v for (e,ss),(v,t) in base.items() if ss==s and e not in ('CHN','CAN','MEX')) for s in SECT}
fb=sum(wb[s]*subj[s] for s in BINS[1][1])/sum(wb[s] for s in BINS[1][1])
BINS[1]=('b',BINS[1][1],fb)
# metals bin: the subject share of the four sectors together (the tracker's change over their GTAP codes)
fm=max(0.0,min(1.0,sum(num[s] for s in METALS)/sum(den[s] for s in METALS)))
BINS[4]=('metals',METALS,fm)
NOBIN=[s_ for s_ in SECT if not any(s_ in secs for _,secs,_ in BINS)]
assert NOBIN==['ENERGY_EXTRACTION','PETROLEUM','PHARMA'], NOBIN
RECIP=[]  # names of reciprocal-type layers that cover MOTOR_VEHICLES (for autos exclusive_with)
A2='Annex II'
EO14257='IEEPA: EO 14257 (2025-04-02, 90 FR 15041), 10% from 2025-04-05; EO 14266 (2025-04-09) pause; electronics exemption memorandum of 2025-04-11 (CBP CSMS 64724565); EO 14326 (2025-07-31, Annex I rates from 2025-08-07)'
# Subject shares by exporter and sector at HTS-10 level (scenarios/tools/subject_shares/: 2024 US
# imports by HS-10 and country from The Budget Lab's Tariff-Model, the tracker's exempt HTS-10
# lines); exporters without their own row take the aggregates' `OTHER` row. IRON_STEEL,
# NONFERROUS_METALS and FABRICATED_METALS also x (1 - the sector's Section 232 steel/aluminium
# share, note (2)): 232 goods are not subject.
SUBJ={}
for r in csv.DictReader(open(os.path.join(REPO,'scenarios','tools','subject_shares','subject_shares.csv'))):
    if r['subject_share']: SUBJ[r['exporter'],r['sector']]=float(r['subject_share'])
def subj_of(region, sector):
    v=SUBJ.get((region,sector), SUBJ.get(('OTHER',sector), 0.0))
    return round(v*not232(sector),4)
def recip_cov(prefix, exporters, path, authority, note=None, share_region=None):
    """One reciprocal-type layer per exporter group with `coverage` = its subject shares by sector."""
    region=share_region or (exporters if isinstance(exporters,str) else 'OTHER')
    cov={s_:subj_of(region,s_) for s_ in SECT}
    layer(prefix, authority, exporters, path, note=note,
          coverage=[(path[0][0], cov, f'subject shares of {region} (HTS-10, scenarios/tools/subject_shares)')])
    RECIP.append(prefix)
hdr=f'''# What the US actually did in 2025: every dated US tariff measure of 2025 on the world2024
# baseline, as far as the current scenario language can express it (DRAFT, generated by
# scenarios/tools/us_2025/gen.py from the stored data; numbers in comments are computed there).
#
# Sources (cited, not copied):
#   M  = ../shared/data/us_tariff_measures_2025/measures_2025.csv (one row per dated measure)
#   A1 = ../shared/data/us_tariff_measures_2025/reciprocal_rates_2025-08-07.csv (Annex I, EO 14326)
#   BL = ../shared/data/us_tariff_measures_2025/budgetlab_tracker/ (The Budget Lab at Yale,
#        tariff-rate-tracker @01e8e76/8315fff, MIT): etr_by_gtap.csv, usmca_shares_by_gtap.csv
#   W  = ../shared/data/us_imports_2024_gtap/us_imports_2024_by_gtap_partner_usd.csv (Census 2024 via BL Tariff-Model)
#   T  = ../shared/data/us_tariff_rates_2025/us_china_tariff_timeline_2025_2026.csv (China path, China retaliation)
#   MEM = from memory, not in the stored data: unverified, to be checked before release. The dates
#         and rates of every IEEPA/232 layer are from M/A1; the EO, proclamation and FR numbers in the
#         `authority` strings are MEM except EO 14195, 14228 and 14257 (T).
#
# Rates are ADDITIONAL duties on top of the baseline rate t0 (world2024: MFN by sector, Section 301
# on China already inside t0). Every rate below that is not a statutory headline rate is an ad
# valorem equivalent (AVE) = statutory rate x share of the sector's 2024 US imports it applies to,
# because the language has no partial-coverage key. The shares:
#
# (1) Reciprocal (IEEPA EO 14257) subject share by sector, from BL etr_by_gtap: the change
#     2025-03-17 -> 2025-04-17 (the tracker's only change there is the 10% reciprocal on every
#     partner but CAN/MEX, China included at its post-Geneva 10%) / (10% x non-CAN/MEX imports),
#     summed over the GTAP codes of each sector with W weights. It nets out Annex II (energy,
#     pharma, semiconductors, bullion, some minerals and chemicals), the 2025-04-11 electronics
#     exemption (smartphones, computers) and the Section 232 goods (exempt from reciprocal):
#       {", ".join(f"{s} {subj[s]:.3f}" for s in SECT)}
#     {", ".join(f"{s_} ({subj[s_]:.3f})" for s_ in NOBIN)} are treated as fully exempt (not covered).
#     Bins used in us_2026.toml (Section 122; one layer per bin, because one layer has one rate):
#       a      TEXTILE_APPAREL, ELECTRICAL_EQUIP, MOTOR_VEHICLES   1.000 (tracker 1.00/1.00; MV: autos 232 displaces it)
#       b      {", ".join(BINS[1][1])}   {fb:.3f}
#              (= their subject shares {", ".join(f"{subj[s_]:.2f}" for s_ in BINS[1][1])} weighted by world2024 US imports excl. CHN/CAN/MEX)
#       elec   ELECTRONICS {subj["ELECTRONICS"]:.3f}    otn  OTHER_TRANSPORT {subj["OTHER_TRANSPORT"]:.3f}
#       metals {", ".join(METALS)} {fm:.3f} (over their GTAP codes together)
#     Caveat: the tracker applies one exempt list (ieepa_exempt_products_hts.csv, 4,297 HTS-10 lines)
#     at every date, so AGRICULTURE and FOOD (coffee, bananas, beef: exempt only from 2025-11-14, MEM) and
#     OTHER_TRANSPORT (civil aircraft: EU/JPN/GBR deals, from Sep 2025) are more exempt here than
#     they were before those dates. The shares are world-wide, not per exporter (Taiwan's and
#     Mexico's electronics are mostly exempt servers/computers; the language can't say so).
#
# (2) Section 232 steel/aluminium coverage by sector, from BL etr_by_gtap: the change
#     2025-04-17 -> 2025-07-17 (232 25% -> 50%) / 25% of the sector's GTAP code (one code each):
#     IRON_STEEL (i_s) {SA["IRON_STEEL"]:.3f}, FABRICATED_METALS (fmp: derivatives) {SA["FABRICATED_METALS"]:.3f},
#     NONFERROUS_METALS (nfm: aluminium) {SA["NONFERROUS_METALS"]:.3f} (the nfm change {cov["nfm"]:.3f} x 25% minus copper 50% on an
#     assumed 6.5% of nfm: ~5 bn semi-finished copper of 76.6 bn, MEM), NONMETALLIC_MINERALS (nmm) not covered.
#     The same shares for every partner (the tracker's changes are by GTAP code, not by partner); the
#     partners' metals mixes now enter through the sectors themselves. (Before world2024 2024.8 one
#     share of METALS_MINERALS per partner, weighted by W: CHN {s232_of("china"):.3f}, CAN {s232_of("canada"):.3f}, EU27 {s232_of("eu"):.3f}, all
#     others {s232_of("row"):.3f}.)
#
# (3) USMCA claim shares (exempt from the CAN/MEX IEEPA duties from 2025-03-07), BL
#     usmca_shares_by_gtap.csv weighted by W to the 22 sectors (the tracker's H2-2025 level, mean
#     0.868), scaled month by month to the monthly claim rates of BL SOURCE.md (0.48 in March, 0.50
#     April-June, 0.86 from July): the layers' `coverage` steps are the shares NOT claiming.
#     The tracker's own etr_*.csv use ~2024 claim rates (CA 0.38, MX 0.49); tests/cli/etr.rs checks
#     tests/scenarios/us_2025_claims2024.toml (this schedule with those) against them.
#
# How the schedule is written (docs/scenarios.md, "Partial coverage"):
#   - partial coverage enters as an ad valorem equivalent: the reciprocal layers use `coverage` =
#     each exporter's own subject shares by sector at HTS-10 level (scenarios/tools/subject_shares:
#     Taiwan's electronics are 11% subject, China's 14%, Viet Nam's 19%, the EU's 53%; the aggregates
#     share one `OTHER` row); the Section 232 layers use `coverage` (statutory rate, share covered), except autos (rate x share, below);
#     the CAN/MEX layers use `coverage` (non-claiming shares);
#     a 232 layer that covers part of a sector does not displace the reciprocal duty on its share
#     through `exclusive_with` (the exemption is in the subject shares); autos, which cover ~all of
#     MOTOR_VEHICLES, use `exclusive_with`;
#   - countries inside aggregates (ASEAN_OTH, AFRICA, LATAM_OTH, MIDEAST_TUR, ROW) pay their own
#     Annex I rates on their shares of the aggregate (member layers; world2024 members.csv);
#   - all-in floors ("15% including MFN", EU and Japan) are written per sector as (15% - baseline
#     t0) x subject share: the same as `stacking = "floor"` with that coverage, since no other add
#     layer hits those cells;
#   - de minimis (ended for CHN/HKG 2025-05-02, for all 2025-08-29, M): low-value parcels are not
#     separate flows in world2024; not modelled;
#   - product-level exceptions (India/Brazil annexes, potash 10%, in-transit grace periods,
#     transshipment 40%, 232 derivatives expansion of 2025-08-18): not modelled unless stated.
# Section 232 trucks (25%, 2025-11-01, M) are left out (no share in the stored data).
'''
out.append(hdr)
out.append('name = "us_2025"')
out.append('description = "US tariffs actually in force in 2025 (IEEPA fentanyl/reciprocal/country orders, Section 232 metals, autos, copper, lumber) with China\'s retaliation"')
out.append('baseline = "world2024"\nmodel = "armington"\n# Outcomes within the year of the changes: one-year elasticities (tariffsim_data::priors::horizon_scale).\nhorizon = "short"\n\n[focus]\nimporter = "USA"\ntarget = "CHN"\n\n[period]\nstart = 2025-01-01\nend = 2025-12-31\n')

# ---------------- China
sec('China (incl. Hong Kong): IEEPA fentanyl and reciprocal (M rows 1-5; T)')
layer('ieepa_fentanyl_china','IEEPA: EO 14195 (2025-02-01), EO 14228 (2025-03-03), EO 14357 (2025-11-04) (M; T)','CHN',
      [('2025-02-04',0.10,'M: +10% 2025-02-04'),('2025-03-04',0.20,'M: 20% 2025-03-04'),('2025-11-10',0.10,'M: 10% 2025-11-10 (Busan/Kuala Lumpur)')],
      note='All goods: the fentanyl duty has no Annex II exemption and stacks on Section 232 and 301.')
recip_cov('ieepa_reciprocal_china','CHN',[('2025-04-05',0.10,'M: 10% 2025-04-05'),('2025-04-09',0.84,'M: 84% 2025-04-09'),('2025-04-10',1.25,'M: 125% 2025-04-10'),('2025-05-14',0.10,'M: 10% 2025-05-14 (Geneva)')],
      'IEEPA: EO 14257 (2025-04-02), EO 14259 (2025-04-08), EO 14266 (2025-04-09), EO 14298 (2025-05-12) (M; T)',
      note='Reciprocal on China: on the share of each sector not exempt (Annex II, electronics), China\'s own HTS-10 shares.')

# ---------------- universal + country rates
sec('Reciprocal: universal 10% from 2025-04-05 (M row 6), Annex I country rates from 2025-08-07 (A1; M row 7)')
agg_note={
 'ASEAN_OTH':('17.4%','THA 63.3, MYS 52.5, IDN 28.1, PHL 14.6, KHM 12.7 bn at 19%; SGP 43.2 at 10% (not in A1); MMR+LAO 1.5 at 40%; BRN 0.2 at 25% (2024 US imports by country: MEM) -> 3750/216 = 17.4%',0.174),
 'AFRICA':('22%','ZAF ~14 bn non-energy at 30%; the rest ~10 bn non-energy at ~14% (NGA/AGO/ly oil is Annex II energy; MEM weights) -> 22%',0.22),
 'LATAM_OTH':('11%','CRI 8 bn at 15%, ECU ~4 non-oil at 15%, NIC 4.5 at 18%, the rest ~80 bn (COL, CHL, PER, GTM, HND, DOM, ARG...) at 10% (not in A1) (MEM weights) -> 11.0%',0.11),
 'MIDEAST_TUR':('14%','ISR 22, TUR 16.4, JOR 3.4 bn at 15%; SAU ~2 non-oil, ARE 7, other Gulf ~2 at 10%; IRQ 35% almost all oil (Annex II) (MEM weights) -> 14.1%',0.14),
 'ROW':('22%','CHE ~20 bn non-pharma non-gold at 39%; AUS 16.7 at 10%; NOR ~5 non-oil, NZL 5.8 at 15%; BGD 8.4, LKA 3 at 20%; PAK 5.1 at 19%; others ~5 at 15% (MEM weights) -> 1509/69 = 21.9%',0.22),
}
U10=('2025-04-05',0.10,'M: universal 10% 2025-04-05')
groups=[
 ('ieepa_reciprocal_vnm_twn',['VNM','TWN'],[U10,('2025-08-07',0.20,'A1: Vietnam 20%, Taiwan 20% from 2025-08-07')],None),
 ('ieepa_reciprocal_10',['GBR','BRA','IRN'],[U10],'GBR 10% (A1), BRA 10% (A1; +40% below), IRN 10% (not in A1: stays at the 10% baseline).'),
 ('ieepa_reciprocal_ind',['IND'],[U10,('2025-08-07',0.25,'A1: India 25% from 2025-08-07')],None),
 ('ieepa_reciprocal_kor',['KOR'],[U10,('2025-08-07',0.15,'A1: South Korea 15% from 2025-08-07')],
   'Korea: 15% from 2025-08-07; the 15% all-in floor from 2025-11-15 (M; BL revision_dates) equals 15% additional\nbecause KORUS makes t0 = 0 in world2024, so it needs no step.'),
]
# Aggregates: the universal 10% on the whole aggregate, then each member country's Annex I rate
# (A1) on its share of the aggregate (members.csv of world2024: Census 2024 country totals and
# OECD ICIO 2022 sector mixes), as the difference to the 10% already in force.
A1={}
for r in csv.DictReader(open(D+'us_tariff_measures_2025/reciprocal_rates_2025-08-07.csv')):
    A1[r['country']]=float(r['reciprocal_rate_pct'])/100
NAME_FIX={'Brunei Darussalam':'Brunei','Lao (People’s Democratic Rep.)':'Laos','Myanmar':'Myanmar (Burma)',
          'Democratic Republic of Congo':'DR Congo','Türkiye':'Turkey'}
members=collections.defaultdict(list)
for r in csv.DictReader(open(BASE+'/members.csv')):
    if r['region'] in agg_note and r['importer']=='USA':
        members[r['region']].append((r['member'],r['name']))
for reg,(r,why,val) in agg_note.items():
    groups.append((f'ieepa_reciprocal_{reg.lower()}',[reg],[U10],f'{reg}: the universal 10% on the whole aggregate (M); its members\' Annex I rates below.'))
    byrate=collections.defaultdict(list)
    for code,name in sorted(set(members[reg])):
        rate=A1.get(NAME_FIX.get(name,name))
        if rate is not None and rate>0.10+1e-9: byrate[rate].append(code)
    for rate,codes in sorted(byrate.items()):
        groups.append((f'ieepa_reciprocal_{reg.lower()}_{int(round(rate*100))}',sorted(codes),[('2025-08-07',rate-0.10,f'A1: {pct(rate)} minus the universal 10% already in force')],
                       f'{reg} members at {pct(rate)} (A1) from 2025-08-07, on their shares of {reg} (members.csv).'))
for nm,ex,path,note in groups:
    # Regions with their own subject shares get one layer each; members of aggregates and the
    # aggregates themselves take the aggregates' shares.
    own=[e for e in ex if (e,'ELECTRONICS') in SUBJ]
    rest=[e for e in ex if (e,'ELECTRONICS') not in SUBJ]
    first=True
    for e in own:
        recip_cov(nm if len(ex)==1 else f'{nm}_{e.lower()}',e,path,EO14257+' (M; A1)',note=note if first else None,share_region=e)
        first=False
    if rest:
        recip_cov(nm if not own else f'{nm}_other',rest if len(rest)>1 else rest[0],path,EO14257+' (M; A1)',note=note if first else None,share_region='OTHER')

# EU and Japan: per-sector floor
def floor_layers(reg, path_fn, authority, note):
    first=True
    for s in SECT:
        f=subj_of(reg,s)
        if f<=0: continue
        t0=base[reg,s][1]
        p=path_fn(s,t0,f)
        nm=f'ieepa_reciprocal_{reg.lower()}_{s.lower()}'
        layer(nm,authority,reg,p,sectors=[s],note=note if first else None); first=False
        if s=='MOTOR_VEHICLES': RECIP.append(nm)
floor_layers('EU27',lambda s,t0,f:[('2025-04-05',0.10*f,f'M: 10% x {f:.3f}'),('2025-08-07',max(0.15-t0,0)*f,f'A1 EU floor: (15% - t0 {100*t0:.2f}%) x {f:.3f}')],
   EO14257+'; EU framework (joint statement 2025-08-21) (M; A1)',
   'EU27: 10% from 2025-04-05; from 2025-08-07 the all-in 15% floor (A1: 15% minus MFN, 0 where MFN >= 15%),\n'
   'written per sector as (15% - world2024 t0 of the sector) x subject share. The true product-level floor\n'
   'averages max(15% - MFN_i, 0), which is >= this where MFN varies inside a sector (FOOD, AGRICULTURE, TEXTILE_APPAREL).')
floor_layers('JPN',lambda s,t0,f:[('2025-04-05',0.10*f,f'M: 10% x {f:.3f}'),('2025-08-07',0.15*f,f'A1: Japan 15% stacked, x {f:.3f}'),('2025-09-12',max(0.15-t0,0)*f,f'M: Japan floor from 2025-09-12: (15% - t0 {100*t0:.2f}%) x {f:.3f}')],
   EO14257+'; EO 14345 (2025-09-04, Japan agreement) (M; A1; BL revision_dates rev_23)',
   'Japan: 10% from 2025-04-05, 15% stacked on MFN from 2025-08-07, the all-in 15% floor from 2025-09-12 (M,\nthe tracker\'s date; the order made it retroactive to 2025-08-07), per sector as for the EU.')

sec('Country-specific IEEPA orders: India Russian-oil penalty, Brazil (M rows 11-12)')
recip_cov('ieepa_india_russian_oil','IND',[('2025-08-27',0.25,'M: +25% on top of the 25% reciprocal = 50%')],
      'IEEPA: EO 14329 (2025-08-06), effective 2025-08-27 (M)',
      note='Same product coverage as the reciprocal duty ("all not in Annex II", M), so the same subject shares.')
BRA_OUT=['ENERGY_EXTRACTION','PETROLEUM','OTHER_MINING','PAPER','PHARMA','OTHER_TRANSPORT']
bra_secs=[s_ for s_ in SECT if s_ not in BRA_OUT and s_ not in SA]
layer('ieepa_brazil','IEEPA: EO 14323 (2025-07-30), effective 2025-08-06 (M)','BRA',[('2025-08-06',0.40,'M: +40% on top of the 10% reciprocal')],sectors=bra_secs,
      note='Brazil +40%: all goods except its annex (civil aircraft, orange juice, energy, pulp, ~700 lines; M): modelled\n'
           'as not covering ENERGY_EXTRACTION, PETROLEUM and OTHER_MINING (energy; other mining 0.2 bn, left out with\n'
           'it as before), OTHER_TRANSPORT (aircraft), PAPER (pulp) and PHARMA. WOOD is covered: pulp is in PAPER, and\n'
           'Brazil\'s wood products (mouldings, plywood, lumber, doors) paid the 50% (press: the timber industry\n'
           'association Abimci reported its US exports down 55% in Aug-Oct 2025).\n'
           'Orange juice is inside FOOD (not separable). 232 metals are exempt: IRON_STEEL, NONFERROUS_METALS and\n'
           'FABRICATED_METALS below at 40% on the share outside 232 steel/aluminium (note (2)).')
layer('ieepa_brazil_metals','IEEPA: EO 14323 (2025-07-30), effective 2025-08-06 (M)','BRA',[('2025-08-06',0.40,'M: +40%')],sectors=list(SA),
      coverage=[('2025-08-06',{s_:not232(s_) for s_ in SA},'1 - the 232 steel/alu share of the sector (note (2))')])

# ---------------- Canada / Mexico
sec('Canada and Mexico IEEPA (M rows 8-10): 25% from 2025-03-04, USMCA-qualifying goods exempt from\n'
    '2025-03-07; Canada 35% from 2025-08-01; energy and potash 10%. Coverage per sector = 1 - USMCA claim share, by\n'
    'month; IRON_STEEL, NONFERROUS_METALS and FABRICATED_METALS also x (1 - the sector\'s 232 steel/alu share) (232\n'
    'goods are not subject). Energy (ENERGY_EXTRACTION, PETROLEUM, OTHER_MINING: "energy or energy resources" of\n'
    'EO 14156 s.8(a), which include uranium and critical minerals, MEM) at the 10% rate. Potash (inside CHEMICALS)\n'
    'is left at the general rate.')
# Monthly USMCA claim shares (both countries together; BL SOURCE.md, from the tracker's
# docs/analysis/usmca_share_method_comparison.md) scale the tracker's sector shares
# (usmca_shares_by_gtap.csv, the H2-2025 level, mean 0.868) month by month.
MONTHLY=[('2025-03-07',0.478),('2025-04-01',0.500),('2025-05-01',0.494),('2025-06-01',0.500),('2025-07-01',0.856),
         ('2025-08-01',0.850),('2025-09-01',0.868),('2025-10-01',0.880),('2025-11-01',0.879),('2025-12-01',0.876)]
H2=sum(v for d,v in MONTHLY[4:])/6
for reg,p,auth in [('CAN','canada','IEEPA: EO 14193 (2025-02-01), EO 14231 (2025-03-06, USMCA exemption), EO 14325 (2025-07-31, 35%) (M)'),
                   ('MEX','mexico','IEEPA: EO 14194 (2025-02-01), EO 14232 (2025-03-06, USMCA exemption) (M)')]:
    def cov_at(scale, energy):
        out={}
        for s_ in SECT:
            if (s_ in ENERGY)!=energy: continue
            out[s_]=max(0.0,1-min(1.0,U[reg][s_]*scale))*not232(s_)
        return out
    for energy in (False,True):
        hi=0.10 if energy else 0.25
        path=[('2025-03-04',hi,f'M: {pct(hi)}')]
        if reg=='CAN' and not energy:
            path.append(('2025-08-01',0.35,'M: Canada 35%'))
        full={s_:not232(s_) for s_ in SECT if (s_ in ENERGY)==energy}
        cov=[('2025-03-04',full,'no USMCA exemption yet; 232 steel/alu sectors x (1 - their 232 share): 232 goods are not subject')]
        cov+=[(d,cov_at(v/H2,energy),f'not claiming USMCA: claims {v:.3f} this month') for d,v in MONTHLY]
        nm=f'ieepa_{reg.lower()}'+('_energy' if energy else '')
        layer(nm,auth,reg,path,sectors=[s_ for s_ in SECT if (s_ in ENERGY)==energy],coverage=cov)
        if not energy: RECIP.append(nm)

# ---------------- Section 232
sec('Section 232 (Trade Expansion Act 1962). Steel/aluminium, copper and lumber/furniture cover part of a sector:\n'
    'the statutory rate with `coverage` = that part (AVE rate x coverage, note (2)); their exemption from the reciprocal and CAN/MEX duties is already in the\n'
    'subject shares, so they carry no exclusive_with. Autos cover ~all of MOTOR_VEHICLES and use exclusive_with.')
# One layer per partner as before (the names stay; GBR's rate differs); the coverage is by sector
# (note (2)) and so the same for every partner.
S232=list(SA)
SA_COV=lambda: {s_:SA[s_] for s_ in S232}
for reg in ['CHN','CAN','MEX','JPN','EU27','KOR']:
    layer(f's232_steel_alu_{reg.lower()}','s232: Proclamations 10895/10896 (2025-02-10, effective 2025-03-12), Proclamation 10947 (2025-06-03, 50% from 2025-06-04) (M)',reg,
      [('2025-03-12',0.25,'M'),('2025-06-04',0.50,'M')],sectors=S232,
      coverage=[('2025-03-12',SA_COV(),'steel/alu share of each sector (note (2))')])
layer('s232_steel_alu_gbr','s232: Proclamations 10895/10896 (effective 2025-03-12); UK kept at 25% from 2025-06-04 (Proclamation 10947) (M)','GBR',
      [('2025-03-12',0.25,'M')],sectors=S232,coverage=[('2025-03-12',SA_COV(),'steel/alu share of each sector (note (2))')])
layer('s232_steel_alu_other','s232: Proclamations 10895/10896 (effective 2025-03-12), Proclamation 10947 (50% from 2025-06-04) (M)','*',
      [('2025-03-12',0.25,'M'),('2025-06-04',0.50,'M')],coverage=[('2025-03-12',SA_COV(),'steel/alu share of each sector (note (2))')],
      except_=['CHN','CAN','MEX','JPN','EU27','KOR','GBR'],sectors=S232,
      note='Russian aluminium 200% (M) is not separable. For China the 2018 232 duties already in t0 are not netted out.')
NFM=sum(imp['nfm'][p] for p in P)/1e9
layer('s232_copper','s232: Proclamation 10962 (2025-07-30), effective 2025-08-01 (M)','*',[('2025-08-01',0.50,'M')],sectors=['NONFERROUS_METALS'],
      coverage=[('2025-08-01',CU_NFM,'copper share of NONFERROUS_METALS (below)')],
      note=f'Copper 50% on semi-finished copper and intensive derivatives (cathodes, scrap excluded; M). Share: an assumed\n~5 bn (MEM) of nfm = NONFERROUS_METALS {NFM:.1f} bn (W) = {CU_NFM:.3f}. The reciprocal duty on these goods is not removed\n(over-count <= reciprocal rate x {CU_NFM:.3f} of NONFERROUS_METALS).')
WOODBN=sum(imp['lum'][p] for p in P)/1e9
LUM=8/WOODBN
FUR=15/(sum(imp['omf'][p] for p in P)/1e9 + 0)  # of omf only; OTHER_MFG = omf
layer('s232_lumber','s232: Proclamation 11000 (2025-09-29), effective 2025-10-14 (M)','*',[('2025-10-14',0.10,'M')],sectors=['WOOD'],except_=['GBR'],
      coverage=[('2025-10-14',LUM,'softwood-lumber share of WOOD (below)')],
      note=f'Softwood lumber 10% on an assumed ~8 bn (MEM) of lum = WOOD {WOODBN:.1f} bn (W) = {LUM:.3f}. EU/JPN cap (15% incl. MFN) ~ no\nchange at 10%; GBR 10% (M) also ~ the same: GBR excluded only for the furniture cap. Reciprocal on these lines not removed.')
layer('s232_furniture','s232: Proclamation 11000 (2025-09-29), effective 2025-10-14 (M)','*',[('2025-10-14',0.25,'M')],sectors=['OTHER_MFG'],except_=['GBR','EU27','JPN'],
      coverage=[('2025-10-14',FUR,'upholstered furniture + cabinets/vanities share of OTHER_MFG (below)')],
      note=f'Upholstered furniture 25%, kitchen cabinets and vanities 25% (M) on an assumed ~15 bn of OTHER_MFG {sum(imp["omf"][p] for p in P)/1e9:.1f} bn\n(MEM) = {FUR:.3f}. EU27/JPN capped at 15% incl. MFN and GBR 10% (M): below.')
layer('s232_furniture_capped','s232: Proclamation 11000 (2025-09-29), effective 2025-10-14 (M)',['EU27','JPN','GBR'],[('2025-10-14',0.10,'M: ~10% (15% cap - MFN for EU/JPN; 10% for GBR)')],sectors=['OTHER_MFG'],
      coverage=[('2025-10-14',FUR,'the same share as s232_furniture')])

VEH,PARTS=0.65,0.27
sec(f'Section 232 autos (25% 2025-04-03) and parts (25% 2025-05-03) on MOTOR_VEHICLES (M rows 15-16).\n'
    f'Coverage (MEM, unverified): passenger vehicles and light trucks ~{VEH:.2f} of MV imports, listed parts ~{PARTS:.2f} more,\n'
    f'so {VEH:.2f} from Apr 3 and {VEH+PARTS:.2f} from May 3 (the rest: medium/heavy trucks, 25% from 2025-11-01, not modelled).\n'
    'exclusive_with: 232 autos goods are exempt from the reciprocal and the CAN/MEX IEEPA duties (EO 14257 s.3(b);\n'
    'EO 14289 of 2025-04-29). The cell-level exclusion also drops the reciprocal on the uncovered part (0.35 until\n'
    'May 2, 0.08 after).')
AUTH_A='s232: Proclamation 10908 (2025-03-26): vehicles from 2025-04-03, parts from 2025-05-03 (M)'
def excl(): return list(RECIP)
layer('s232_autos','' + AUTH_A,'*',[('2025-04-03',0.25*VEH,f'M: 25% x vehicles {VEH:.2f}'),('2025-05-03',0.25*(VEH+PARTS),f'M: 25% x (vehicles + parts) {VEH+PARTS:.2f}')],
      except_=['CAN','MEX','EU27','JPN','KOR','GBR'],sectors=['MOTOR_VEHICLES'],exclusive=excl())
# CAN / MEX
for reg,vs,uc,usc in [('CAN',0.70,0.50,U['CAN']['MOTOR_VEHICLES']),('MEX',0.50,0.38,U['MEX']['MOTOR_VEHICLES'])]:
    ps=VEH+PARTS-vs
    r1=0.25*vs*(1-uc); r2=r1+0.25*ps*(1-usc)
    layer(f's232_autos_{reg.lower()}',AUTH_A+'; USMCA content rules of the proclamation',reg,
          [('2025-04-03',r1,f'25% x vehicles {vs:.2f} x non-US content {1-uc:.2f}'),('2025-05-03',r2,f'+ 25% x parts {ps:.2f} x (1 - USMCA claim {usc:.3f})')],
          sectors=['MOTOR_VEHICLES'],exclusive=excl(),
          note=f'{reg}: USMCA vehicles pay 25% on non-US content only (US content ~{uc:.2f}, MEM), USMCA-compliant parts are exempt.\nVehicle share of {reg} MV imports ~{vs:.2f} (MEM).')
# deals
deals=[('EU27','2025-08-01','EU framework (joint statement 2025-08-21; FR notice 2025-09-25, retroactive to 2025-08-01) (MEM date)'),
       ('JPN','2025-09-16','Japan agreement, EO 14345 (2025-09-04; FR 2025-09-09), autos 15% from 2025-09-16 (MEM date; BL rev_23 2025-09-12)'),
       ('KOR','2025-11-01','Korea agreement (FR notice 2025-12, retroactive to 2025-11-01) (MEM date; BL rev_32 2025-11-15)')]
for reg,d,auth in deals:
    t0=base[reg,'MOTOR_VEHICLES'][1]
    layer(f's232_autos_{reg.lower()}',AUTH_A+'; '+auth,reg,
          [('2025-04-03',0.25*VEH,f'M: 25% x {VEH:.2f}'),('2025-05-03',0.25*(VEH+PARTS),f'M: 25% x {VEH+PARTS:.2f}'),
           (d,max(0.15-t0,0)*(VEH+PARTS),f'15% all-in: (15% - t0 {100*t0:.1f}%) x {VEH+PARTS:.2f}')],
          sectors=['MOTOR_VEHICLES'],exclusive=excl())
layer('s232_autos_gbr',AUTH_A+'; US-UK Economic Prosperity Deal, EO 14309 (2025-06-16), 10% within a 100,000-vehicle quota from 2025-06-30 (MEM)','GBR',
      [('2025-04-03',0.25*VEH,f'M: 25% x {VEH:.2f}'),('2025-05-03',0.25*(VEH+PARTS),f'M: 25% x {VEH+PARTS:.2f}'),
       ('2025-06-30',0.10*(VEH+PARTS),f'10% (quota ~ all 2024 UK car exports) x {VEH+PARTS:.2f}')],sectors=['MOTOR_VEHICLES'],exclusive=excl())

# ---------------- retaliation
# China's Feb/Mar lists as sector AVEs: the listed goods' 2024 US exports to China (MEM, unverified;
# USD bn) at their rates, over world2024's US exports to China in the sector (flows.csv, importer CHN),
# or over the listed goods themselves where they make up the whole sector.
RET_ENERGY=[('crude oil',6.0,0.10),('LNG and coal',4.0,0.15)]      # all of ENERGY_EXTRACTION (coal, oil, gas)
RET_AGRI={'AGRICULTURE':[('soybeans',12.8,0.10),('sorghum',1.3,0.10),('fruit and vegetables',0.8,0.10),
                         ('cotton',1.5,0.15),('wheat',0.3,0.15),('corn',0.3,0.15)],
          'FOOD':[('beef',1.6,0.10),('pork',1.1,0.10),('aquatic products (frozen, prepared)',0.8,0.10),('dairy',0.6,0.10),('chicken',0.9,0.15)],
          'FISHING':[('aquatic products',None,0.10)]}                # all of FISHING
def ret_ave(sector, items):
    if items[0][1] is None: return items[0][2]
    listed=sum(v for _,v,_ in items)
    return sum(v*r for _,v,r in items)/max(us_to_chn[sector]/1e9, listed)
def ret_items(items):
    return ', '.join(f'{n} {v:.1f}' if v is not None else n for n,v,_ in items)
AVE_EN=ret_ave('ENERGY_EXTRACTION',RET_ENERGY)
AVE_AG={s_:ret_ave(s_,v) for s_,v in RET_AGRI.items()}
def ave_txt(x): return pct(round(x,3))
out.append(f'''# ----------------------------------------------------------------------------------------------------
# China's retaliation on US goods. Feb/Mar product lists are MEM (State Council Tariff Commission
# announcements 2025-02-04 and 2025-03-04; not in the stored data), written as sector AVEs (2024 US
# exports to China of the listed goods, MEM, over world2024's US exports to China in the sector):
#   2025-02-10: coal, LNG 15%; crude oil 10% -> ENERGY_EXTRACTION {ave_txt(AVE_EN)} (all of the sector; MEM: crude ~6 bn
#               at 10%, LNG+coal ~4 bn at 15%); refined products (PETROLEUM: LPG) and OTHER_MINING not listed;
#               agricultural machinery, large cars, pickups 10% -> not modelled (small shares of MACHINERY /
#               MOTOR_VEHICLES).
#   2025-03-10: chicken, wheat, corn, cotton 15%; soybeans, sorghum, pork, beef, aquatic products, fruit,
#               vegetables, dairy 10% (~{sum(v for it in RET_AGRI.values() for _,v,_ in it if v):.0f} of ~25 bn farm exports, MEM) ->
#               AGRICULTURE {ave_txt(AVE_AG["AGRICULTURE"])} ({ret_items(RET_AGRI["AGRICULTURE"][:3])},
#                 {ret_items(RET_AGRI["AGRICULTURE"][3:])} bn of {us_to_chn["AGRICULTURE"]/1e9:.1f} bn; logs, hides, hay not listed),
#               FOOD {ave_txt(AVE_AG["FOOD"])} ({ret_items(RET_AGRI["FOOD"][:3])},
#                 {ret_items(RET_AGRI["FOOD"][3:])} bn of {us_to_chn["FOOD"]/1e9:.1f} bn; processed food, feeds, beverages not listed),
#               FISHING {ave_txt(AVE_AG["FISHING"])} (aquatic products, all of it). Suspended from 2025-11-10 (MEM).
#   2025-04-10 84%, 2025-04-12 125%, 2025-05-14 10% on all US goods (T; the announced 34% never applied).
# ----------------------------------------------------------------------------------------------------

[[retaliation]]
name = "china_retaliation_energy"
authority = "PRC State Council Tariff Commission announcement of 2025-02-04 (MEM)"
by = "CHN"
against = "USA"
mode = "fixed"
sectors = ["ENERGY_EXTRACTION"]
rate = "{ave_txt(AVE_EN)}"          # coal/LNG 15%, crude 10%, weighted ~6:4 (MEM)
effective = 2025-02-10
''')
for nm,s_,why in [('china_retaliation_agri','AGRICULTURE','soybeans, sorghum, fruit, vegetables 10%; cotton, wheat, corn 15%'),
                  ('china_retaliation_agri_food','FOOD','beef, pork, aquatic products, dairy 10%; chicken 15%'),
                  ('china_retaliation_agri_fishing','FISHING','aquatic products 10%')]:
    out.append(f'''[[retaliation]]
name = "{nm}"
authority = "PRC State Council Tariff Commission announcement of 2025-03-04 (MEM); suspended from 2025-11-10 (MEM)"
by = "CHN"
against = "USA"
mode = "fixed"
sectors = ["{s_}"]
rate = "{ave_txt(AVE_AG[s_])}"          # {why}: AVE on {s_} (MEM weights)
effective = 2025-03-10
expires = 2025-11-10
''')
out.append('''[[retaliation]]
name = "china_counter_tariff"
authority = "PRC State Council Tariff Commission (2025-04-09, 2025-04-11, 2025-05-12) (T)"
by = "CHN"
against = "USA"
mode = "fixed"
rate = "84%"
effective = 2025-04-10
[[retaliation.step]]
date = 2025-04-12
rate = "125%"
[[retaliation.step]]
date = 2025-05-14
rate = "10%"
''')
open(os.path.join(REPO, 'scenarios', 'us_2025.toml'),'w').write('\n'.join(out))
json.dump(model,open(os.environ.get('MODEL_JSON', '/dev/null'),'w'),indent=0)
print(len(model),'layers')

# The same schedule with 2024 USMCA claim shares (CA 0.38, MX 0.49: BL SOURCE.md, "US imports from
# Canada and Mexico entering under USMCA in 2024"), held all year: the vintage The Budget Lab's
# etr_*.csv (@01e8e76) apply, used by tests/cli/etr.rs for the strict comparison.
var=['# Generated by scenarios/tools/us_2025/gen.py: scenarios/us_2025.toml with the 2024 USMCA claim shares',
     '# (CA 0.38, MX 0.49; ../shared/data/us_tariff_measures_2025/SOURCE.md) held all year, the vintage of The',
     '# Budget Lab\'s etr_*.csv. Used by tests/cli/etr.rs.',
     'extends = "../../scenarios/us_2025.toml"',
     'name = "us_2025_claims2024"', '']
for reg,claim,p in [('CAN',0.38,'canada'),('MEX',0.49,'mexico')]:
    for energy in (False,True):
        c={s_:(1-claim)*not232(s_) for s_ in SECT if (s_ in ENERGY)==energy}
        var+=['[[layer]]',f'name = "ieepa_{reg.lower()}'+('_energy"' if energy else '"'),f'coverage = {cov_txt(c)}','coverage_step = []','']
os.makedirs(os.path.join(REPO,'tests','scenarios'),exist_ok=True)
open(os.path.join(REPO,'tests','scenarios','us_2025_claims2024.toml'),'w').write('\n'.join(var))

# ---------------------------------------------------------------- us_2026.toml
# 2026 after the Supreme Court ruling (Learning Resources v. Trump, 2026-02-20): every IEEPA duty
# void from 2026-02-24 (M: ieepa_invalidated; tracker revision 2026_rev_4), a Section 122 blanket
# 10% from the same day for the statutory 150 days (to 2026-07-23), Section 232 unchanged except
# the 2026-01-01 furniture steps (M: furniture 30%, cabinets 50%; written here as the same AVE
# scaled by 1.2x for the furniture/cabinet mix, an estimate). China's counter-tariffs assumed
# unchanged (no stored source reports a change).
ieepa=[m['name'] for m in model if any('IEEPA' in l for l in [next((x for x in out if x==f'name = "{m["name"]}"'),'')])]
# The authority line follows the name line in `out`: find IEEPA layers by it.
ieepa=[]
for k,l in enumerate(out):
    if l.startswith('name = "') and k+1 < len(out) and out[k+1].startswith('authority = ') and 'IEEPA' in out[k+1]:
        ieepa.append(l[len('name = "'):-1])
y26=['# What the US does in 2026 on the world2024 baseline: the 2025 schedule (scenarios/us_2025.toml) with',
     '# every IEEPA duty void from 2026-02-24 (Supreme Court, Learning Resources v. Trump, 2026-02-20; M row',
     '# ieepa_invalidated, tracker revision 2026_rev_4), a Section 122 blanket 10% from 2026-02-24 for the',
     '# statutory 150 days, and Section 232 as in force. Generated by scenarios/tools/us_2025/gen.py.',
     '# China\'s counter-tariffs are assumed unchanged (no stored source reports a change).',
     'extends = "us_2025.toml"','name = "us_2026"',
     'description = "US tariffs in 2026: IEEPA duties void from 2026-02-24, Section 122 10% for 150 days, Section 232 stays"',
     '','[period]','start = 2026-01-01','end = 2026-12-31','',
     '']
# Section 122 10%: with the reciprocal duty's exemptions (Annex II, the electronics list: the same
# subject shares by sector) and USMCA goods exempt (coverage = not claiming, at the December 2025
# claims). These exemptions are derived from The Budget Lab's 2026-02-25 rates (etr_by_partner.csv:
# CAN 4.8%, MEX 7.1%, EU 7.2%, China 25.4% with Section 301 -- each matches Section 232 plus 10% on
# that coverage); the proclamation's annex is not in the stored data. Estimate.
saved_out=out; out=[]
S122='Trade Act 1974 s.122 (proclamation of 2026-02-20), 10% from 2026-02-24 for 150 days (tracker revision 2026_rev_4; M: ieepa_invalidated); exemptions derived from the tracker rates'
def add_expiry():
    k=max(i for i,l in enumerate(out) if l.startswith('effective = '))
    out.insert(k+1,'expires = 2026-07-24   # 150 days by statute')
for b,secs,f in BINS:
    layer(f's122_{b}',S122,'*',[('2026-02-24',0.10*f,f'10% x {f:.3f} subject share')],sectors=secs,except_=['CAN','MEX'])
    add_expiry()
for reg,p_ in [('CAN','canada'),('MEX','mexico')]:
    scale=MONTHLY[-1][1]/H2
    cov={s_:max(0.0,1-min(1.0,U[reg][s_]*scale))*not232(s_) for s_ in SECT if s_ not in ENERGY}
    layer(f's122_{reg.lower()}',S122+'; USMCA goods exempt',reg,[('2026-02-24',0.10,'10% on goods not claiming USMCA')],
          sectors=[s_ for s_ in SECT if s_ not in ENERGY],coverage=[('2026-02-24',cov,'not claiming USMCA (December 2025 claims)')])
    add_expiry()
y26+=out; out=saved_out
# Section 232 goods are not subject to Section 122 either (as for the reciprocal duty): the autos
# layers, which displace the reciprocal layers on MOTOR_VEHICLES, displace `s122_a` too.
for m in model:
    if m['exclusive'] and any(x in RECIP for x in m['exclusive']) and m['name'] not in ieepa:
        y26+=['[[layer]]',f'name = "{m["name"]}"',f'exclusive_with = {q(m["exclusive"]+["s122_a"])}','']
for nm in ieepa:
    y26+=['[[layer]]',f'name = "{nm}"','expires = 2026-02-24','']
open(os.path.join(REPO,'scenarios','us_2026.toml'),'w').write('\n'.join(y26))
print(len(ieepa),'IEEPA layers expire in us_2026.toml')
