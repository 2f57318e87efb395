using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SensorOdl.Daemon.Cli;
using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Recordings;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// The JSON a trimmed build writes without the reflection serializer — the state archive's entries and the verbs'
/// reports through source-generated contexts, the recording manifest through JSON nodes — is the JSON the reflection
/// serializer wrote with the same options (this test runs in the ordinary build, where both exist).
/// </summary>
public sealed class TrimSafeJsonTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-trimjson-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly JsonSerializerOptions ArchiveReflection = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    static readonly JsonSerializerOptions ReportReflection = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    static void SameArchiveJson<T>(T value)
    {
        byte[] reflection = JsonSerializer.SerializeToUtf8Bytes(value, ArchiveReflection);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(reflection), System.Text.Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(value, StateArchiveJson.For<T>())));
        Assert.Equal(reflection, JsonSerializer.SerializeToUtf8Bytes(JsonSerializer.Deserialize(reflection, StateArchiveJson.For<T>())!, StateArchiveJson.For<T>()));
    }

    [Fact]
    public void State_archive_entries()
    {
        SameArchiveJson(new StateArchiveManifest
        {
            DeviceId = "pump-7", CreatedAt = 1_790_000_000_000, ActiveVersion = 3, Versions = [1, 3], EventSeq = 77, ModelVersion = 3,
            LabelledWindows = 2, SeenCommandIds = 1, Samples = 5, Entries = new(StringComparer.Ordinal) { ["registry.json"] = "ab", ["labels.json"] = "cd" },
        });
        SameArchiveJson(new ArchivedRegistry(3, [new ModelVersionRecord
        {
            Version = 3, Id = "id", ParentVersion = 1, Method = "skip2-lora-q4", CreatedAt = 5, BaseHash = "b", BaseFile = "base-0123456789abcdef.sodl",
            AdapterFile = "v3.sodla", AdapterHash = "h", TrainSamples = 120, Metrics = new() { ["loss"] = 0.5, ["recall"] = double.NaN }, Reason = "drift", Threshold = 0.75f,
        }]));
        SameArchiveJson<ArchivedSample[]>([new ArchivedSample(5, "fault", [1, 2, 3]), new ArchivedSample(6, null, []), new ArchivedSample(7, "normal", [4], Id: 12, Probes: [2, 0, 60])]);
        SameArchiveJson<ArchivedSeenCommand[]>([new ArchivedSeenCommand("c1", 9)]);
    }

    [Fact]
    public void Model_reports()
    {
        List<ModelSummary> rows = [new(1, "a", null, "base", 5, false), new(2, "b", 1, "skip2-lora-q4", 6, true)];
        Assert.Equal(JsonSerializer.Serialize(rows, ReportReflection), JsonSerializer.Serialize(rows, ReportJson.For<List<ModelSummary>>()));
        var details = new ModelDetails(2, "b", 1, "skip2-lora-q4", 6, true, false, "h", "base.sodl", "v2.sodla", 120, 0.5f,
            new() { ["ratio"] = double.PositiveInfinity }, "drift", null);
        Assert.Equal(JsonSerializer.Serialize(details, ReportReflection), JsonSerializer.Serialize(details, ReportJson.For<ModelDetails>()));
    }

    [Fact]
    public void A_type_missing_from_the_report_context_is_named()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ReportJson.For<Uri>());
        Assert.Contains("Uri", error.Message);
    }

    [Fact]
    public void The_recording_manifest_fields_are_written_as_the_reflection_serializer_wrote_them()
    {
        var fields = new Dictionary<string, object?> { ["site"] = "north", ["rpm"] = 1797L, ["load"] = 0.25, ["ok"] = true, ["none"] = null };
        var format = SensorFormat.Spectrum(4, 100, 0.5, "g");
        using (var writer = RecordingWriter.Create(_dir, "a.bin", format, fields)) writer.Complete();
        string manifest = File.ReadAllText(Path.Combine(_dir, RecordingManifest.FileName));
        JsonObject entry = JsonNode.Parse(manifest)!["recordings"]![0]!.AsObject();
        foreach ((string key, object? value) in fields)
            Assert.Equal(JsonSerializer.SerializeToNode(value)?.ToJsonString() ?? "null", entry[key]?.ToJsonString() ?? "null");
        var reindented = new JsonSerializerOptions { WriteIndented = true };
        Assert.Equal(JsonSerializer.Serialize(JsonNode.Parse(manifest), reindented), manifest);
    }
}
