#!/usr/bin/env python3
"""US 2024 statutory MFN tariff rates by GTAP sector and by world2024 sector, import-weighted.

Usage (pyreadr and pandas are needed, e.g. a venv with `pip install pyreadr pandas`):

    python3 compute.py TARIFF_FILE [--imports RDS] [--partners CSV]
                                        [--sectors CSV] [--hs6-gtap CSV] [--out DIR]

Inputs
------
TARIFF_FILE  USITC annual tariff database for 2024 ("Tariff Database 2024", sheet/table
             `trade_tariff_database_202405`): one row per HTS8 line with mfn_text_rate,
             mfn_rate_type_code, mfn_ave, mfn_ad_val_rate, mfn_specific_rate, mfn_other_rate,
             begin_effect_date, end_effective_date. Accepted as the USITC .xlsx (read with the
             standard library), or as .csv / .txt (comma- or pipe-delimited). The copy used:
             GitHub dylan-m-mitchell/Simple-random-sample-file-I-O @
             9eb97b823e4372c9d6be0810d315d513e738d1b1, path `tariff_database_202405.xlsx`,
             sha256 66d171ea9d4afa7d54faeff7ef6570cc0cf88405b5ad5026d5854b274dcb9127
             (see SOURCE.md).
--imports    2024 US imports (Census consumption imports, customs value, USD) by HS10 x Census
             country with the HS10 -> GTAP code: The Budget Lab at Yale, Tariff-Model @
             8efb3ed58023da703d62d43a10ba0ad6b814b677,
             resources/rate_aggregation/2024/import_weights_hs10_country_2024.rds
             (columns hs10, gtap_code, cty_code, imports; sha256
             d1fa0aa5ce7fbc154e7014f9aa8f20bc7f0f3086aec02a25eeb7e763e10833aa).
             Required: the Tariff-Model RDS (see SOURCE.md).
--partners   Census country code -> partner group (china, canada, mexico, uk, japan, eu, ftrow;
             unlisted codes = row): ../shared/data/ (or $SHARED_DATA)/us_imports_2024_gtap/
             census_country_to_partner_group.csv (from Budget-Lab-Yale/tariff-rate-tracker).
--sectors    world2024 sectors -> GTAP codes: scenarios/tools/world2024_sectors.csv.
--hs6-gtap   HS6 -> GTAP crosswalk, used only to place tariff lines that had no 2024 imports
             (for the simple averages): ../shared/data/ (or $SHARED_DATA)/us_imports_2024_gtap/
             hs6_to_gtap_crosswalk.csv.

Method
------
* Lines: HTS8 lines of chapters 01-97 whose validity (begin_effect_date..end_effective_date)
  overlaps 2024; if one HTS8 has several rows in 2024 their rates are weighted by days in 2024.
* Rate per line (ad valorem fraction): type 0 -> 0; type 7 -> mfn_ad_val_rate; any other type
  (specific 1/2/3, compound 4/5/6, K, T, X, 9) -> mfn_ave if the table carries one, otherwise
  the ad valorem component mfn_ad_val_rate (0 when absent or the 9999.999999 sentinel), and the
  line is FLAGGED (its specific part is left out: the rate is a lower bound). The RDS carries
  no quantities, so no AVE = specific x quantity / value can be computed here.
* Imports: HS10 -> HTS8 = first 8 digits. HS10 lines whose HTS8 is not in the table get the
  simple mean of the table's lines with the same HS6 (else HS4) and are counted as flagged.
* mfn_trade_weighted: sum(rate x imports) / sum(imports), imports from the partner groups that
  pay MFN (china, uk, japan, eu, row; Canada, Mexico, ftrow excluded; China's MFN part counts).
  mfn_simple: unweighted mean over the HTS8 lines of the sector (all lines, traded or not).
  lines: number of HTS8 lines. import_weight_usd: the MFN-partner imports. flagged_share: share
  of import_weight_usd in flagged lines. Extra columns: the same on imports from all partners,
  the flagged import value, and mfn_tw_excl_flagged (weighted mean over unflagged lines only).
* GTAP code of an HTS8 line: from the imports file (HS10 -> GTAP) where it has imports, else
  from the HS6 crosswalk, else the most common GTAP code of its HS4 in the crosswalk.

Outputs (in --out): us_mfn_2024_by_gtap.csv, us_mfn_2024_by_sector.csv,
us_mfn_2024_hts8_lines.csv, and a summary printed to stdout.
"""
import argparse
import csv
import datetime as dt
import hashlib
import io
import os
import re
import sys
import xml.etree.ElementTree as ET
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SHARED = os.environ.get('SHARED_DATA', os.path.join(REPO, '..', 'shared', 'data'))

import pandas as pd

MFN_PARTNERS = ["china", "uk", "japan", "eu", "row"]
SENTINEL = 9999.0  # USITC writes 9999.999999 where a rate component does not apply
YEAR0, YEAR1 = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------- tariff file readers
def _col_index(ref):
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def read_xlsx(path):
    """First worksheet of an .xlsx as a list of rows (strings), standard library only."""
    z = zipfile.ZipFile(path)
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(NS + "si"):
            shared.append("".join(t.text or "" for t in si.iter(NS + "t")))
    sheet = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))[0]
    rows = []
    with z.open(sheet) as f:
        for _, el in ET.iterparse(f):
            if el.tag != NS + "row":
                continue
            vals = {}
            for c in el.iter(NS + "c"):
                t, v = c.get("t"), c.find(NS + "v")
                if t == "inlineStr":
                    val = "".join(x.text or "" for x in c.iter(NS + "t"))
                elif v is None:
                    val = ""
                elif t == "s":
                    val = shared[int(v.text)]
                else:
                    val = v.text
                vals[_col_index(c.get("r"))] = val
            width = max(vals) + 1 if vals else 0
            rows.append([vals.get(i, "") for i in range(width)])
            el.clear()
    return rows


def read_delimited(path):
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    first = text.split("\n", 1)[0]
    delim = "|" if first.count("|") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delim))


def read_tariff(path):
    rows = read_xlsx(path) if path.lower().endswith((".xlsx", ".xlsm")) else read_delimited(path)
    header = [h.strip().lower() for h in rows[0]]
    recs = [dict(zip(header, r + [""] * (len(header) - len(r)))) for r in rows[1:] if any(r)]
    df = pd.DataFrame(recs, columns=header)
    need = ["hts8", "mfn_text_rate", "mfn_rate_type_code", "mfn_ad_val_rate",
            "begin_effect_date", "end_effective_date"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        sys.exit(f"tariff file lacks columns {missing}")
    if "mfn_ave" not in df.columns:
        df["mfn_ave"] = ""
    df["hts8"] = df.hts8.str.replace(".", "", regex=False).str.strip().str.zfill(8)
    return df


def to_date(s):
    s = str(s).strip()
    if not s:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", s):  # Excel serial day number
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(float(s)))
    for fmt in ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y"):
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            pass
    raise ValueError(f"unreadable date {s!r}")


def num(s):
    try:
        x = float(str(s).strip())
    except ValueError:
        return None
    return None if x != x else x


def line_rates(tar):
    """One row per HTS8 (chapters 01-97) with the 2024 rate (fraction) and a flag."""
    t = tar[tar.hts8.str[:2].astype(int) <= 97].copy()
    b = t.begin_effect_date.map(to_date).fillna(dt.date(1900, 1, 1))
    e = t.end_effective_date.map(to_date).fillna(dt.date(2099, 12, 31))
    lo = b.map(lambda d: max(d, YEAR0))
    hi = e.map(lambda d: min(d, YEAR1))
    t["days"] = [(h - l).days + 1 for l, h in zip(lo, hi)]
    t = t[t.days > 0].copy()
    rates, flags, how = [], [], []
    for code, av, ave in zip(t.mfn_rate_type_code.str.strip(), t.mfn_ad_val_rate, t.mfn_ave):
        av, ave = num(av), num(ave)
        if code == "0":
            rates.append(0.0); flags.append(False); how.append("free")
        elif code == "7" and av is not None and av < SENTINEL:
            rates.append(av); flags.append(False); how.append("ad_valorem")
        elif ave is not None and ave < SENTINEL:
            rates.append(ave); flags.append(False); how.append("table_ave")
        else:
            rates.append(av if av is not None and av < SENTINEL else 0.0)
            flags.append(True); how.append("adval_component_only")
    t["rate"], t["flagged"], t["rate_basis"] = rates, flags, how
    t["rw"] = t.rate * t.days
    g = t.groupby("hts8")
    out = pd.DataFrame({
        "rate": g.rw.sum() / g.days.sum(),
        "flagged": g.flagged.max(),
        "rate_type": g.mfn_rate_type_code.agg(lambda s: "/".join(sorted(set(s)))),
        "mfn_text_rate": g.mfn_text_rate.agg(lambda s: " | ".join(dict.fromkeys(s))),
        "rate_basis": g.rate_basis.agg(lambda s: "/".join(sorted(set(s)))),
        "rows_2024": g.size(),
    }).reset_index()
    return out


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tariff_file")
    ap.add_argument("--imports", required=True)
    ap.add_argument("--partners",
                    default=os.path.join(SHARED, 'us_imports_2024_gtap', 'census_country_to_partner_group.csv'))
    ap.add_argument("--sectors", default=os.path.join(REPO, 'scenarios', 'tools', 'world2024_sectors.csv'))
    ap.add_argument("--hs6-gtap", dest="hs6_gtap",
                    default=os.path.join(SHARED, 'us_imports_2024_gtap', 'hs6_to_gtap_crosswalk.csv'))
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    a = ap.parse_args()

    import pyreadr  # imported here so that --help works without it

    print(f"tariff file {a.tariff_file} sha256 {sha256(a.tariff_file)}")
    print(f"imports     {a.imports} sha256 {sha256(a.imports)}")
    tar = read_tariff(a.tariff_file)
    lines = line_rates(tar)
    print(f"tariff table: {len(tar)} rows, {tar.hts8.nunique()} HTS8; chapters 01-97 lines "
          f"in force in 2024: {len(lines)}; flagged: {int(lines.flagged.sum())}; "
          f"lines with a table AVE: {int(lines.rate_basis.str.contains('table_ave').sum())}")

    # imports
    w = next(iter(pyreadr.read_r(a.imports).values()))
    w = w[["hs10", "gtap_code", "cty_code", "imports"]].copy()
    w["hs10"] = w.hs10.astype(str).str.zfill(10)
    w["hts8"] = w.hs10.str[:8]
    pm = pd.read_csv(a.partners, dtype=str)
    pmap = dict(zip(pm.cty_code.str.strip(), pm.partner.str.strip()))
    w["partner"] = w.cty_code.astype(str).str.strip().map(pmap).fillna("row")
    w["mfn_payer"] = w.partner.isin(MFN_PARTNERS)
    w["imp_mfn"] = w.imports.where(w.mfn_payer, 0.0)
    imp = (w.groupby(["hts8", "gtap_code"], as_index=False)[["imports", "imp_mfn"]].sum())
    if imp.hts8.duplicated().any():  # an HTS8 split over GTAP codes: keep the pieces
        print(f"note: {imp.hts8.duplicated().sum()} HTS8 lines span several GTAP codes")

    # GTAP code of every tariff line (for simple averages)
    x = pd.read_csv(a.hs6_gtap, dtype=str)
    hs6g = dict(zip(x.hs6_code.str.zfill(6), x.gtap_code))
    x["hs4"] = x.hs6_code.str.zfill(6).str[:4]
    hs4g = x.groupby("hs4").gtap_code.agg(lambda s: s.value_counts().index[0]).to_dict()
    g_from_imp = imp.sort_values("imports").drop_duplicates("hts8", keep="last")
    g_from_imp = dict(zip(g_from_imp.hts8, g_from_imp.gtap_code))

    def gtap_of(h):
        if h in g_from_imp:
            return g_from_imp[h], "imports"
        if h[:6] in hs6g:
            return hs6g[h[:6]], "hs6_crosswalk"
        if h[:4] in hs4g:
            return hs4g[h[:4]], "hs4_majority"
        return None, "none"

    gg = lines.hts8.map(gtap_of)
    lines["gtap_code"] = [g for g, _ in gg]
    lines["gtap_source"] = [s for _, s in gg]
    print("GTAP code source of tariff lines:", lines.gtap_source.value_counts().to_dict())

    # rate for import lines; fallback for HTS8 codes absent from the table
    rate_of = dict(zip(lines.hts8, lines.rate))
    flag_of = dict(zip(lines.hts8, lines.flagged))
    hs6_mean = lines.groupby(lines.hts8.str[:6]).rate.mean().to_dict()
    hs4_mean = lines.groupby(lines.hts8.str[:4]).rate.mean().to_dict()
    r, f, m = [], [], []
    for h in imp.hts8:
        if h in rate_of:
            r.append(rate_of[h]); f.append(bool(flag_of[h])); m.append(True)
        else:
            r.append(hs6_mean.get(h[:6], hs4_mean.get(h[:4], 0.0))); f.append(True); m.append(False)
    imp["rate"], imp["flagged"], imp["in_table"] = r, f, m
    um = imp[~imp.in_table]
    print(f"imports: total {w.imports.sum():,.0f} USD, MFN partners {w.imp_mfn.sum():,.0f} USD; "
          f"HTS8 not in table: {len(um)} lines, {um.imports.sum():,.0f} USD "
          f"({um.hts8.tolist()[:10]})")

    # per-line output
    lo = lines.merge(imp.groupby("hts8", as_index=False)[["imports", "imp_mfn"]].sum(),
                     on="hts8", how="left").fillna({"imports": 0.0, "imp_mfn": 0.0})
    lo = lo.rename(columns={"imports": "imports_all_usd", "imp_mfn": "imports_mfn_partners_usd"})
    lo[["hts8", "gtap_code", "gtap_source", "rate_type", "mfn_text_rate", "rate", "rate_basis",
        "flagged", "imports_mfn_partners_usd", "imports_all_usd"]].to_csv(
        os.path.join(a.out, "us_mfn_2024_hts8_lines.csv"), index=False, float_format="%.6g")

    # aggregation helpers
    def agg(keys_imp, keys_lines):
        """keys_*: Series of group labels aligned with imp / lines."""
        d = imp.assign(k=keys_imp.values)
        d = d[d.k.notna()]
        d["rv_m"] = d.rate * d.imp_mfn
        d["rv_a"] = d.rate * d.imports
        d["fl_m"] = d.imp_mfn.where(d.flagged, 0.0)
        d["fl_a"] = d.imports.where(d.flagged, 0.0)
        d["uf_m"] = d.imp_mfn.where(~d.flagged, 0.0)
        d["uf_rv"] = d.rv_m.where(~d.flagged, 0.0)
        s = d.groupby("k")[["rv_m", "rv_a", "imp_mfn", "imports", "fl_m", "fl_a", "uf_m", "uf_rv"]].sum()
        L = lines.assign(k=keys_lines.values)
        L = L[L.k.notna()]
        ls = L.groupby("k").agg(mfn_simple=("rate", "mean"), lines=("rate", "size"),
                                lines_flagged=("flagged", "sum"))
        o = s.join(ls, how="outer")
        o["mfn_trade_weighted"] = o.rv_m / o.imp_mfn
        o["import_weight_usd"] = o.imp_mfn
        o["flagged_share"] = o.fl_m / o.imp_mfn
        o["flagged_import_usd"] = o.fl_m
        o["mfn_all_partners"] = o.rv_a / o.imports
        o["imports_all_usd"] = o.imports
        o["flagged_share_all"] = o.fl_a / o.imports
        o["mfn_tw_excl_flagged"] = o.uf_rv / o.uf_m
        o["lines"] = o.lines.fillna(0).astype(int)
        o["lines_flagged"] = o.lines_flagged.fillna(0).astype(int)
        return o

    cols = ["mfn_trade_weighted", "mfn_simple", "lines", "import_weight_usd", "flagged_share",
            "flagged_import_usd", "lines_flagged", "mfn_all_partners", "imports_all_usd",
            "flagged_share_all", "mfn_tw_excl_flagged"]

    by_g = agg(imp.gtap_code, lines.gtap_code)
    sec = pd.read_csv(a.sectors, dtype=str)
    g2s = {g: s for s, gs in zip(sec.sector, sec.gtap) for g in gs.split()}
    g_names = {s: gs for s, gs in zip(sec.sector, sec.gtap)}
    by_g.index.name = "gtap_code"
    gout = by_g[cols].reset_index()
    gout.insert(1, "sector", gout.gtap_code.map(g2s).fillna(""))
    gout.to_csv(os.path.join(a.out, "us_mfn_2024_by_gtap.csv"), index=False, float_format="%.6g")

    by_s = agg(imp.gtap_code.map(g2s), lines.gtap_code.map(g2s))
    by_s = by_s.reindex(sec.sector)
    by_s.index.name = "sector"
    sout = by_s[cols].reset_index()
    sout.insert(1, "gtap_codes", sout.sector.map(g_names))
    sout.to_csv(os.path.join(a.out, "us_mfn_2024_by_sector.csv"), index=False, float_format="%.6g")

    c13 = dict(zip(sec.sector, sec.coarse13))
    by_13 = agg(imp.gtap_code.map(g2s).map(c13), lines.gtap_code.map(g2s).map(c13))

    # totals
    tot_m = (imp.rate * imp.imp_mfn).sum() / imp.imp_mfn.sum()
    tot_a = (imp.rate * imp.imports).sum() / imp.imports.sum()
    fl_m = imp.imp_mfn[imp.flagged].sum() / imp.imp_mfn.sum()
    fl_a = imp.imports[imp.flagged].sum() / imp.imports.sum()
    owed = (imp.rate * imp.imp_mfn).sum() / imp.imports.sum()
    in22 = imp.gtap_code.isin(g2s)
    print(f"\nMFN trade-weighted, MFN-paying partners: {tot_m:.4%} on {imp.imp_mfn.sum():,.0f} USD "
          f"(flagged share {fl_m:.2%})")
    print(f"MFN trade-weighted, all partners:        {tot_a:.4%} on {imp.imports.sum():,.0f} USD "
          f"(flagged share {fl_a:.2%})")
    print(f"MFN owed by MFN payers / all imports (FTA partners at 0): {owed:.4%}")
    print(f"simple mean over {len(lines)} HTS8 lines: {lines.rate.mean():.4%}; "
          f"unflagged lines only: {lines.rate[~lines.flagged].mean():.4%}")
    print(f"GTAP codes outside the 22 sectors: "
          f"{sorted(set(imp.gtap_code[~in22]))} ({imp.imports[~in22].sum():,.0f} USD)")
    pd.set_option("display.width", 200)
    fmt = {"mfn_trade_weighted": "{:.4f}".format, "mfn_simple": "{:.4f}".format,
           "flagged_share": "{:.3f}".format, "mfn_all_partners": "{:.4f}".format,
           "import_weight_usd": lambda v: f"{v/1e9:,.1f}bn"}
    show = ["mfn_trade_weighted", "mfn_simple", "lines", "import_weight_usd", "flagged_share",
            "mfn_all_partners"]
    print("\nBy world2024 sector:")
    print(by_s[show].to_string(formatters=fmt))
    print("\nBy coarse13 sector:")
    print(by_13[show].to_string(formatters=fmt))


if __name__ == "__main__":
    main()
