using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace SensorOdl.Daemon.Storage;

/// <summary>
/// The JSON entries of a state archive, source-generated (a trimmed build has no reflection serializer) with the options
/// the archive was always written with: web names, indented, a NaN metric as "NaN".
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(StateArchiveManifest))]
[JsonSerializable(typeof(ArchivedRegistry))]
[JsonSerializable(typeof(ArchivedSample[]))]
[JsonSerializable(typeof(ArchivedSeenCommand[]))]
sealed partial class StateArchiveJson : JsonSerializerContext
{
    public static JsonTypeInfo<T> For<T>() =>
        Default.GetTypeInfo(typeof(T)) as JsonTypeInfo<T> ?? throw new InvalidOperationException($"{typeof(T).Name} is not in {nameof(StateArchiveJson)}.");
}
