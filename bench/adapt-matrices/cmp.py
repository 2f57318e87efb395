import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from lib import *
# cmp.py A B: rows whose FA or recall after differ
a, b = sys.argv[1:3]; n = d = 0
for s in SETS:
    pa, pb = load(a, s), load(b, s)
    if pa is None or pb is None: continue
    for x, y in zip(pa, pb):
        for rx, ry in zip(x['rows'], y['rows']):
            n += 1
            if (x['falseAlarmRateAfter'], rx['faultRecallAfter']) != (y['falseAlarmRateAfter'], ry['faultRecallAfter']):
                d += 1
                if '-v' in sys.argv: print(s, x['source'], '->', x['target'], rx['faults'], f"{100*x['falseAlarmRateAfter']:.1f}/{100*rx['faultRecallAfter']:.1f} vs {100*y['falseAlarmRateAfter']:.1f}/{100*ry['faultRecallAfter']:.1f}")
print(f'{d} of {n} rows differ')
