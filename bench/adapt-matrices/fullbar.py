import os, sys, math; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from lib import *
# pairs meeting the whole bar: <=2 % FA, >=95 % (sim 97), and on every row >= full retrain - 1 point and >= PCA
def ok(x): return x is not None and not isinstance(x, str) and not math.isnan(x)
for tag in sys.argv[1:]:
    out = []
    for s in SETS:
        ps = load(tag, s); bar = .97 if s == 'sim' else .95; k = kf = kp = 0
        for p in ps:
            rows = p['rows']
            f = all(not ok(r['fullRetrainRecall']) or r['faultRecallAfter'] >= r['fullRetrainRecall'] - 0.01 for r in rows)
            c = all(r['faultRecallAfter'] >= r['pcaRecall'] for r in rows)
            kf += f; kp += c; k += pair_pass(p, bar) and f and c
        out.append(f'{s} {k}/{len(ps)} (≥full−1 {kf}, ≥PCA {kp})')
    print(tag, '; '.join(out))
