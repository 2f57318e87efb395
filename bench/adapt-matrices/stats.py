import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from lib import *
# spectrum sets: mean FA, mean recall, rows < 95 %, pairs with FA > 2 %; sim mean FA
for tag in sys.argv[1:]:
    fa, rec, low, hi, n = [], [], 0, 0, 0
    for s in SETS[:-1]:
        for p in load(tag, s) or []:
            fa.append(p['falseAlarmRateAfter']); hi += p['falseAlarmRateAfter'] > 0.02
            for r in p['rows']:
                rec.append(r['faultRecallAfter']); low += r['faultRecallAfter'] < 0.95
    sim = load(tag, 'sim') or []
    simfa = sum(p['falseAlarmRateAfter'] for p in sim) / max(1, len(sim))
    print(f'{tag:10} spectra FA {100*sum(fa)/len(fa):.2f} recall {100*sum(rec)/len(rec):.2f} rows<95 {low}/{len(rec)} pairsFA>2 {hi}/{len(fa)} | sim FA {100*simfa:.2f} ({len(sim)} pairs)')
