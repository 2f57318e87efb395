using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using SensorOdl.Daemon.Bench;
using SensorOdl.Daemon.Evaluation;

namespace SensorOdl.Daemon.Cli;

/// <summary>
/// The reports the verbs print with --json or write to --out, source-generated (a trimmed build has no reflection
/// serializer) with <see cref="ReportOutput"/>'s options: web names, indented, ±Infinity and NaN by name.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(FinetuneReport))]
[JsonSerializable(typeof(GemmReport))]
[JsonSerializable(typeof(List<ModelSummary>))]
[JsonSerializable(typeof(ModelDetails))]
[JsonSerializable(typeof(EvaluationReport))]
[JsonSerializable(typeof(MatrixReport))]
[JsonSerializable(typeof(AdaptEvalReport))]
[JsonSerializable(typeof(TorchPeerReport))] // read from the PyTorch peer
sealed partial class ReportJson : JsonSerializerContext
{
    public static JsonTypeInfo<T> For<T>() =>
        Default.GetTypeInfo(typeof(T)) as JsonTypeInfo<T> ?? throw new InvalidOperationException($"{typeof(T).Name} is not in {nameof(ReportJson)}: add it there.");
}
