using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace SensorOdl.Daemon.Cli;

/// <summary>JSON nodes turned into elements without the reflection serializer (a trimmed build has none).</summary>
[JsonSerializable(typeof(JsonObject))]
sealed partial class NodeJson : JsonSerializerContext;
