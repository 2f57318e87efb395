using SensorOdl.Drivers.Recordings;

namespace SensorOdl.Daemon.Fleet;

/// <summary>`--select F`: the manifest filter grammar (docs/CONTRACT.md §4) on each device's status and model JSON, keys as dotted paths.</summary>
public static class FleetSelection
{
    /// <summary>The views F matches. A filter that does not parse, or a key no device has, is a usage error (exit 2).</summary>
    public static IReadOnlyList<DeviceView> Apply(IReadOnlyList<DeviceView> views, string filter)
    {
        var parsed = ManifestFilter.Parse(filter);
        var documents = views.Select(v => (View: v, Document: v.SelectionDocument())).ToList();
        if (documents.Count > 0)
            foreach (string key in parsed.Keys)
                if (!documents.Any(d => ManifestFilter.TryGetPath(d.Document, key, out _)))
                    throw new ManifestFilterException(
                        $"No device has the selection key '{key}' (keys are paths into the status JSON, e.g. state, model.version, drift.detected, device, online).");
        return [.. documents.Where(d => parsed.Matches(d.Document)).Select(d => d.View)];
    }
}
