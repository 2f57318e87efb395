#!/usr/bin/env python3
"""neighbours.py DIR: a nearest-neighbour detector beside the network (session 17, item 5).

DIR holds scores dumped by the throw-away build of session 17 (docs/adapt-eval/session17/scores.tar.xz, `dnn/SET/*.json`),
whose pairs carry a `neighbours` object: the probe guard's nearest-neighbour detector fitted on the final job's fit
windows, scored on the held-back windows, the fault groups and the job's calibration and validation windows. For the
network alone, the detector alone, and the two combined (each score divided by its own tail threshold; the larger of the
two, or the sum of their logarithms): pairs meeting the bar as thresholded by the tail rule on the job's held-out
windows, and with the threshold placed afterwards at exactly 1 % and 2 % of the held-back windows."""
import bisect, glob, json, math, os, sys
sys.path.insert(0, os.path.dirname(__file__))
from lib import GROUPS, at_rate, fault_rows, flagged, meets_bar
from rethreshold import tail_threshold


def auc(normal, faults):
    s = sorted(normal)
    return sum(bisect.bisect_left(s, x) + 0.5 * (bisect.bisect_right(s, x) - bisect.bisect_left(s, x)) for x in faults) / (len(s) * len(faults))


def detectors(net, knn):
    held = lambda m: m['jobCalibration'] + m['jobValidation']
    tn, tk = tail_threshold(held(net), 0.01), tail_threshold(held(knn), 0.01)
    keys = ['heldBack', 'jobCalibration', 'jobValidation'] + fault_rows(net)
    return {
        'network': {k: net[k] for k in keys},
        'neighbours': {k: knn[k] for k in keys},
        'larger': {k: [max(a / tn, b / tk) for a, b in zip(net[k], knn[k])] for k in keys},
        'log-sum': {k: [math.log(max(a, 1e-9) / tn) + math.log(max(b, 1e-9) / tk) for a, b in zip(net[k], knn[k])] for k in keys},
    }


def main(root):
    results = {}
    for name, sets, bar in GROUPS:
        for s in sets:
            for f in sorted(glob.glob(f'{root}/{s}/*.json')):
                dump = json.load(open(f))
                if 'neighbours' not in dump: continue  # no judged job
                for label, scores in detectors(dump['final'], dump['neighbours']).items():
                    t = tail_threshold(scores['jobCalibration'] + scores['jobValidation'], 0.01)
                    r = results.setdefault(label, {}).setdefault(name, {'deployed': 0, '1%': 0, '2%': 0, 'pairs': 0, 'auc': [], 'fa': []})
                    r['deployed'] += meets_bar(scores, t, bar)
                    r['1%'] += meets_bar(scores, at_rate(scores['heldBack'], 0.01), bar, cap_false_alarms=False)
                    r['2%'] += meets_bar(scores, at_rate(scores['heldBack'], 0.02), bar, cap_false_alarms=False)
                    r['pairs'] += 1
                    if name != 'sim':
                        r['auc'] += [auc(scores['heldBack'], scores[k]) for k in fault_rows(scores) if k != 'fault:all']
                        r['fa'].append(flagged(scores['heldBack'], t))
    print('| detector | ' + ' | '.join(g[0] for g in GROUPS) + ' | deployed | exactly 1 % | exactly 2 % | spectra: AUC | mean FA | pairs > 2 % FA |')
    print('|---|' + '---:|' * (len(GROUPS) + 6))
    for label, groups in results.items():
        total = lambda key: sum(g[key] for g in groups.values())
        aucs = [a for g in groups.values() for a in g['auc']]
        fas = [a for g in groups.values() for a in g['fa']]
        print(f'| {label} | ' + ' | '.join(f"{g['deployed']}/{g['pairs']}" for g in groups.values())
              + f" | {total('deployed')} | {total('1%')} | {total('2%')} | {sum(aucs) / len(aucs):.4f} | {sum(fas) / len(fas):.2%} | {sum(x > 0.02 for x in fas)} |")


main(sys.argv[1] if len(sys.argv) > 1 else '/tmp/dnn')
