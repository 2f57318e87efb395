import json, os, sys
SETS = ['fan', 'rooms-all', 'rooms-mix025', 'rooms-mix100', 'fan13', 'fan075', 'sim']
def load(tag, s):
    f = f'/tmp/{tag}-{s}.json'
    return json.load(open(f))['pairs'] if os.path.exists(f) else None
def pair_pass(p, recall_bar):
    if p['falseAlarmRateAfter'] > 0.02: return False
    return all(r['faultRecallAfter'] >= recall_bar for r in p['rows'])
