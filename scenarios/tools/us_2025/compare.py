import os
import subprocess, csv, re, collections
DATES=['2025-03-17','2025-04-17','2025-07-17','2025-10-17','2025-11-17']
base={}
for r in csv.DictReader(open(os.environ['BASELINE_EXPORT']+'/flows.csv')):
    if r['importer']=='USA' and r['exporter']!='USA': base[r['exporter'],r['sector']]=(float(r['value_usd']),float(r['tariff']))
SECT=sorted({s for _,s in base}); EXP=sorted({e for e,_ in base})
def rates(d):
    txt=subprocess.run([os.environ.get('TARIFFSIM','target/release/tariffsim'),'show','scenarios/us_2025.toml','--date',d],capture_output=True,text=True,check=True).stdout
    add=collections.defaultdict(float)
    for line in txt.splitlines():
        m=re.match(r'\s+USA\s+(\S+)\s+(\* \(all\)|\S+)\s+([\d.]+)%',line)
        if not m: continue
        e,s,v=m.group(1),m.group(2),float(m.group(3))/100
        for ss in (SECT if s=='* (all)' else [s]): add[e,ss]=v
    return add
# Section 301 proxy inside world2024's China t0: t0(CHN,s) - t0(EU27,s) (the MFN column)
s301={s:base['CHN',s][1]-base['EU27',s][1] for s in SECT}
BLP={'CHN':'china','CAN':'canada','MEX':'mexico','GBR':'uk','JPN':'japan','EU27':'eu'}
bl={}
for r in csv.DictReader(open('../shared/data/us_tariff_measures_2025/budgetlab_tracker/etr_by_partner.csv')): bl[r['date'],r['partner']]=(float(r['etr']),float(r['import_share']))
blo={r['date']:float(r['etr']) for r in csv.DictReader(open('../shared/data/us_tariff_measures_2025/budgetlab_tracker/etr_overall.csv'))}
def wavg(cells,f):
    W=sum(base[c][0] for c in cells); return sum(base[c][0]*f(c) for c in cells)/W
res={}
for d in DATES:
    a=rates(d)
    row={}
    for p in list(BLP)+['OTHERS','TOTAL']:
        if p=='TOTAL': ex=EXP
        elif p=='OTHERS': ex=[e for e in EXP if e not in BLP]
        else: ex=[p]
        cells=[(e,s) for e in ex for s in SECT if base[e,s][0]>0]
        new=wavg(cells,lambda c:a.get(c,0.0))
        comp=wavg(cells,lambda c:a.get(c,0.0)+(s301[c[1]] if c[0]=='CHN' else 0))
        if p in BLP: b=bl[d,BLP[p]][0]
        elif p=='OTHERS':
            b=(bl[d,'row'][0]*bl[d,'row'][1]+bl[d,'ftrow'][0]*bl[d,'ftrow'][1])/(bl[d,'row'][1]+bl[d,'ftrow'][1])
        else: b=blo[d]
        row[p]=(new,comp,b)
    res[d]=row
# per-sector detail for the big partners on 10-17 (for the explanations)
import json; json.dump({d:{p:v for p,v in r.items()} for d,r in res.items()},open(os.devnull,'w'),indent=1)
print('date        partner   ours_new  ours+301  BudgetLab  diff(pp)')
for d,r in res.items():
    for p,(n,c,b) in r.items():
        print(d,p.ljust(8),'%8.2f %8.2f %9.2f %8.2f %s'%(100*n,100*c,100*b,100*(c-b),'  <-- >2pp' if abs(c-b)>0.02 else ''))
print('301 proxy on CHN (pp):', '%.2f'%(100*wavg([('CHN',s) for s in SECT],lambda c:s301[c[1]])))
