using System.Text.Json;
using System.Text.Json.Serialization;

namespace SensorOdl.Learning.Models;

public static partial class ModelFile
{
    /// <summary>
    /// The header's JSON contract, generated at build time: a trimmed or NativeAOT build turns reflection-based
    /// System.Text.Json off, and this keeps model files readable there. Same options as before (Web defaults), so the
    /// bytes written are the same (tests: v1 model files re-serialise byte for byte).
    /// </summary>
    [JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
    [JsonSerializable(typeof(Header))]
    sealed partial class HeaderJson : JsonSerializerContext;
}
