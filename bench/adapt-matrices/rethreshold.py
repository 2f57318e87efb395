#!/usr/bin/env python3
"""rethreshold.py DIR [--budget B ...]: the bar if only the final version's threshold were read another way.

DIR holds `adapt-eval --matrix --dump-scores DIR/SET` of each set (SET as in lib.py). Each pair's final version is
re-thresholded from its judged job's calibration and validation scores — with TailThreshold's rule (it reproduces the
promoted threshold) at other false-alarm budgets, or with the tail's scale from the median excess instead of the mean —
and scored on the held-back windows and fault rows as adapt-eval scores it. An approximation: a different threshold
would also have changed the loop (drift clearing, refines) before the final version; here only the end differs."""
import argparse, glob, json, math, os, sys
sys.path.insert(0, os.path.dirname(__file__))
from lib import GROUPS, flagged, meets_bar


def tail_threshold(scores, budget, scale='mean'):
    """TailThreshold.Of at confidence 1/2 (src/Learning/Anomaly/TailThreshold.cs); scale='median': β from the median excess."""
    n = len(scores)
    k = max(10, math.ceil(n * 0.1))
    if k >= n or n * budget >= k:  # too few for a tail (never at these sizes): the plain quantile, uninterpolated
        return sorted(scores)[min(n - 1, int(math.ceil((1 - budget) * n)) - 1)]
    s = sorted(scores)
    u = s[n - k - 1]
    excess = sorted(x - u for x in s[n - k:])
    beta = sum(excess) / k if scale == 'mean' else (excess[k // 2] + excess[(k - 1) // 2]) / 2 / math.log(2)
    return u + beta * k * ((k / (n * budget)) ** (1 / k) - 1)


def run(root, budget, scale):
    counts, fas = [], []
    for name, sets, bar in GROUPS:
        met = pairs = 0
        for s in sets:
            for f in sorted(glob.glob(f'{root}/{s}/*.json')):
                m = json.load(open(f))['final']
                if 'jobCalibration' not in m: continue  # no judged job: nothing to re-read
                t = tail_threshold(m['jobCalibration'] + m['jobValidation'], budget, scale)
                met += meets_bar(m, t, bar)
                pairs += 1
                if name != 'sim': fas.append(flagged(m['heldBack'], t))
        counts.append(f'{met}/{pairs}')
    return counts, sum(fas) / len(fas), sum(x > 0.02 for x in fas), len(fas)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('root', nargs='?', default='/tmp/dmp')
    p.add_argument('--budget', type=float, nargs='*', default=[0.005, 0.0075, 0.01, 0.0125, 0.015, 0.02])
    p.add_argument('--scale', choices=['mean', 'median'], default='mean')
    a = p.parse_args()
    print('| budget | ' + ' | '.join(g[0] for g in GROUPS) + ' | all | spectra: mean FA | pairs > 2 % FA |')
    print('|---:|' + '---:|' * (len(GROUPS) + 3))
    for b in a.budget:
        counts, mean_fa, over, n = run(a.root, b, a.scale)
        total = sum(int(c.split('/')[0]) for c in counts)
        print(f'| {b:.2%} | ' + ' | '.join(counts) + f' | {total} | {mean_fa:.2%} | {over} of {n} |')


if __name__ == '__main__':
    main()
