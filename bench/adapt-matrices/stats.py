import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from lib import *
# stats.py TAG...: spectrum sets' mean FA, mean recall, rows < 95 %, pairs with FA > 2 %; the simulated machine's mean FA
for tag in sys.argv[1:]:
    fa, rec, low, rows, hi, pairs = spectrum_stats(tag)
    simfa, sims = sim_false_alarms(tag)
    print(f'{tag:10} spectra FA {100*fa:.2f} recall {100*rec:.2f} rows<95 {low}/{rows} pairsFA>2 {hi}/{pairs} | sim FA {100*simfa:.2f} ({sims} pairs)')
