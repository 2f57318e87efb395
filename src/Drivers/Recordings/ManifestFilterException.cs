namespace SensorOdl.Drivers.Recordings;

/// <summary>A manifest filter the user got wrong: a usage error (exit 2). The message is one sentence fit for stderr.</summary>
public class ManifestFilterException(string message) : Exception(message);

/// <summary>The filter does not follow <c>key=value[|value…][,key=value…]</c>.</summary>
public sealed class FilterSyntaxException(string message) : ManifestFilterException(message);

/// <summary>The filter names a key that no recording in the manifest has.</summary>
public sealed class UnknownFilterKeyException(string key, string manifest)
    : ManifestFilterException($"No recording in {manifest} has the filter key '{key}'.")
{
    public string Key { get; } = key;
}
