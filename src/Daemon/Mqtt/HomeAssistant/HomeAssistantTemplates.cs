namespace SensorOdl.Daemon.Mqtt.HomeAssistant;

/// <summary>
/// The Jinja templates Home Assistant renders against the status and model JSON (docs/CONTRACT.md §3). Only Jinja
/// built-ins (no Home Assistant extensions), and every optional field read with <c>.get</c> or guarded, so a status
/// without <c>collecting</c>, <c>training</c>, <c>ambient</c> or <c>candidate</c> (or with them null) still renders;
/// tests/Daemon.Tests/HomeAssistant renders each one with jinja2 against real status JSON.
/// </summary>
public static class HomeAssistantTemplates
{
    public const string AnomalyActive = "{{ 'ON' if value_json.anomaly.active else 'OFF' }}";
    public const string AnomalyScore = "{{ value_json.anomaly.score }}";
    public const string AnomalyAttributes = "{{ {'threshold': value_json.anomaly.threshold} | tojson }}";
    public const string DriftDetected = "{{ 'ON' if value_json.drift.detected else 'OFF' }}";
    public const string DriftStatistic = "{{ value_json.drift.statistic }}";
    public const string DriftAttributes = "{{ {'threshold': value_json.drift.threshold, 'since': value_json.drift.since} | tojson }}";
    public const string State = "{{ value_json.state }}";
    public const string ModelVersion = "{{ value_json.version }}";
    public const string SensorProblem = "{{ 'OFF' if value_json.sensor.healthy else 'ON' }}";
    public const string SensorAttributes =
        "{{ {'kind': value_json.sensor.kind, 'error': value_json.sensor.error, 'skippedWindows': value_json.sensor.skippedWindows, " +
        "'lastSkipReason': value_json.sensor.lastSkipReason} | tojson }}";

    /// <summary>ON while status carries an `attention` notice (a status of an older daemon has none: OFF).</summary>
    public const string AttentionNeeded = "{{ 'ON' if value_json.get('attention') else 'OFF' }}";
    public const string AttentionAttributes =
        "{% set a = value_json.get('attention') %}{{ {'code': a.code if a else None, 'message': a.message if a else None, 'since': a.since if a else None} | tojson }}";

    /// <summary>An ambient field, or None (Home Assistant: unknown) without a reading (no ambient sensor, or `{kind, error}`).</summary>
    public static string Ambient(string field) => $"{{{{ (value_json.get('ambient') or {{}}).get('{field}') }}}}";

    /// <summary>Percent of the current phase: collected/wanted windows while collecting, training progress while training; else None.</summary>
    public const string AdaptationProgress =
        "{% set t = value_json.get('training') %}{% set c = value_json.get('collecting') %}" +
        "{% if t %}{{ (t.progress * 100.0) | round(1) }}" +
        "{% elif c and c.wanted %}{{ (100.0 * c.collected / c.wanted) | round(1) }}" +
        "{% else %}None{% endif %}";

    public const string AdaptationAttributes =
        "{% set t = value_json.get('training') %}{% set c = value_json.get('collecting') %}" +
        "{{ {'phase': value_json.state, " +
        "'detail': ('training epoch %d/%d' | format(t.epoch, t.epochs)) if t else ('collecting %d/%d windows' | format(c.collected, c.wanted)) if c else value_json.state, " +
        "'collected': c.collected if c else None, 'wanted': c.wanted if c else None, " +
        "'epoch': t.epoch if t else None, 'epochs': t.epochs if t else None, 'etaSeconds': t.etaSeconds if t else None} | tojson }}";

    /// <summary>
    /// The update entity's state: the active version installed; the pending candidate (status `candidate{version, metrics}`)
    /// as the latest, else the active version again (nothing to install); the candidate's validation numbers as the summary.
    /// </summary>
    public const string ModelUpdate =
        "{% set m = value_json.get('model') %}{% set c = value_json.get('candidate') %}" +
        "{% set installed = (m.version | string) if m else None %}" +
        "{% set cm = (c.get('metrics') or {}) if c else {} %}" +
        "{% set summary = None %}" +
        "{% if c %}{% set summary = 'Candidate v%s' | format(c.version) %}" +
        "{% if cm.get('falseAlarmsBefore') is number and cm.get('falseAlarmsAfter') is number %}" +
        "{% set summary = summary ~ ': false alarms %.1f %% → %.1f %%' | format(cm.falseAlarmsBefore * 100, cm.falseAlarmsAfter * 100) %}{% endif %}" +
        "{% if cm.get('faultRecallAfter') is number %}{% set summary = summary ~ ', fault recall %.0f %%' | format(cm.faultRecallAfter * 100) %}{% endif %}" +
        "{% endif %}" +
        "{{ {'installed_version': installed, 'latest_version': (c.version | string) if c else installed, 'release_summary': summary} | tojson }}";
}
