#!/usr/bin/env python3
"""oracle.py DIR: how much of the bar is the model's separation and how much the threshold's placement.

DIR holds `adapt-eval --matrix --dump-scores DIR/SET` of each set (SET as in lib.py). For every pair, the final model's
(and the full retrain's) recall on each fault row with the threshold it was promoted with, and with thresholds placed
afterwards on the held-back normal windows' own scores so that exactly 1 %, 1.5 % and 2 % of them alarm — what a
perfectly placed threshold would give at those false-alarm rates. Counts the pairs meeting the bar in each case."""
import glob, json, os, sys
sys.path.insert(0, os.path.dirname(__file__))
from lib import GROUPS, at_rate, meets_bar

RATES = [0.01, 0.015, 0.02]

def main(root):
    head = ['deployed'] + [f'exactly {r:.1%}' for r in RATES]
    print(f"| group | model | {' | '.join(head)} |")
    print('|---|---|' + '---:|' * len(head))
    for name, sets, bar in GROUPS:
        files = [f for s in sets for f in sorted(glob.glob(f'{root}/{s}/*.json'))]
        if not files: continue
        for label in ['final', 'full']:
            counts = [0] * (1 + len(RATES)); pairs = 0
            for f in files:
                m = json.load(open(f)).get(label)
                if m is None: continue
                pairs += 1
                counts[0] += meets_bar(m, m['threshold'], bar)
                for i, rate in enumerate(RATES):  # exactly that share alarms: no cap to apply
                    counts[i + 1] += meets_bar(m, at_rate(m['heldBack'], rate), bar, cap_false_alarms=False)
            print(f"| {name} | {'adapted' if label == 'final' else 'full retrain'} | " + ' | '.join(f'{c}/{pairs}' for c in counts) + ' |')

main(sys.argv[1] if len(sys.argv) > 1 else '/tmp/dmp')
