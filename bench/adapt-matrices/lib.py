import json, os, sys
SETS = ['fan', 'rooms-all', 'rooms-mix025', 'rooms-mix100', 'fan13', 'fan075', 'sim']
# the groups the bar is counted in, and the recall each must keep (sim: the 97 %)
GROUPS = [('fan', ['fan'], .95), ('fan+rooms', ['rooms-all', 'rooms-mix025', 'rooms-mix100'], .95),
          ('fan13', ['fan13'], .95), ('fan075', ['fan075'], .95), ('sim', ['sim'], .97)]
TITLES = {'fan': 'Fan data', 'rooms-all': 'Fan + synthetic rooms', 'rooms-mix025': 'Rooms mix025', 'rooms-mix100': 'Rooms mix100',
          'fan13': 'Fan ×1.3', 'fan075': 'Fan ×0.75', 'sim': 'Simulated machine'}

def load(tag, s):
    f = f'/tmp/{tag}-{s}.json'
    return json.load(open(f))['pairs'] if os.path.exists(f) else None

def pair_pass(p, recall_bar):
    if p['falseAlarmRateAfter'] > 0.02: return False
    return all(r['faultRecallAfter'] >= recall_bar for r in p['rows'])

def bar_counts(tag):
    """[(group, pairs meeting <= 2 % FA and the group's recall on every fault row, pairs)]"""
    out = []
    for name, sets, bar in GROUPS:
        ps = [p for s in sets for p in (load(tag, s) or [])]
        out.append((name, sum(pair_pass(p, bar) for p in ps), len(ps)))
    return out

def spectrum_stats(tag):
    """the spectrum sets: mean FA, mean recall, rows < 95 %, rows, pairs > 2 % FA, pairs"""
    fa, rec, low, hi = [], [], 0, 0
    for s in SETS[:-1]:
        for p in load(tag, s) or []:
            fa.append(p['falseAlarmRateAfter']); hi += p['falseAlarmRateAfter'] > 0.02
            for r in p['rows']:
                rec.append(r['faultRecallAfter']); low += r['faultRecallAfter'] < 0.95
    return sum(fa) / len(fa), sum(rec) / len(rec), low, len(rec), hi, len(fa)

def sim_false_alarms(tag):
    sim = load(tag, 'sim') or []
    return sum(p['falseAlarmRateAfter'] for p in sim) / max(1, len(sim)), len(sim)

def flagged(scores, threshold):
    """the share of scores above the threshold"""
    return sum(x > threshold for x in scores) / len(scores)

def at_rate(normal, rate):
    """the threshold at which exactly ⌊rate · n⌋ of the normal scores alarm: the next largest score"""
    return sorted(normal, reverse=True)[int(rate * len(normal))]

def fault_rows(dump):
    """the fault groups of a dumped model's scores (`fault:damage1`, …, `fault:all`)"""
    return [k for k in dump if k.startswith('fault:')]

def meets_bar(dump, threshold, recall_bar, cap_false_alarms=True):
    """a dumped model at this threshold: held-back false alarms <= 2 % (unless not capped) and every fault group >= the bar"""
    if cap_false_alarms and flagged(dump['heldBack'], threshold) > 0.02: return False
    return all(flagged(dump[k], threshold) >= recall_bar for k in fault_rows(dump))
