using System.Text.Json;
using System.Text.Json.Serialization;

namespace SensorOdl.Daemon.Storage.Durability;

/// <summary>
/// The marks file's JSON contract, generated at build time (a trimmed or NativeAOT build has no reflection-based
/// System.Text.Json). The options are those the file was always written with: Web defaults, NaN allowed for a metric.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(MarksDocument))]
sealed partial class MarksJson : JsonSerializerContext;
