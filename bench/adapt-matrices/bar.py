import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from lib import *
# bar.py TAG...: pairs meeting <=2 % FA and >=95 % recall (sim: >=97 %) on every fault row
for tag in sys.argv[1:]:
    print(tag.ljust(10), ', '.join(f'{name} {k}/{n}' for name, k, n in bar_counts(tag)))
