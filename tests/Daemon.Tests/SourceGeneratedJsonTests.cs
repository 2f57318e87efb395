using System.Text.Json;
using System.Text.Json.Serialization;
using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Storage.Durability;
using SensorOdl.Learning.Models;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// The stored JSON written through source-generated contexts (what a trimmed build needs) is the JSON the previous
/// release wrote: the v1 fixture files, read and written again, come out byte for byte.
/// </summary>
public sealed class SourceGeneratedJsonTests
{
    static readonly string ModelFiles = Path.Combine(AppContext.BaseDirectory, "Fixtures", "v1", "model-files");

    [Theory]
    [InlineData("cwru-base.sodl")]
    [InlineData("cwru-v2.sodla")]
    public void A_v1_model_file_reserialises_byte_for_byte(string name)
    {
        byte[] stored = File.ReadAllBytes(Path.Combine(ModelFiles, name));
        Assert.Equal(stored, ModelFile.Serialize(ModelFile.Deserialize(stored, name)));
    }

    [Fact]
    public void The_marks_file_JSON_is_what_the_reflection_serializer_wrote()
    {
        var marks = new MarksDocument
        {
            EventSeqReserved = 4999, ModelVersion = 7,
            Active = new ModelVersionRecord
            {
                Version = 7, Id = "abc", ParentVersion = 6, Method = "skip2-lora", CreatedAt = 1_764_460_800_000, BaseHash = "b",
                BaseFile = "models/b.sodl", AdapterFile = "models/v7.sodla", AdapterHash = "h", TrainSamples = 512,
                Metrics = new() { ["loss"] = 0.25, ["falseAlarms"] = double.NaN }, Reason = "drift", Job = "j1", Threshold = 1.5f,
            },
        };
        var reflection = new JsonSerializerOptions(JsonSerializerDefaults.Web) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
        byte[] written = JsonSerializer.SerializeToUtf8Bytes(marks, reflection);
        Assert.Equal(written, JsonSerializer.SerializeToUtf8Bytes(marks, MarksJson.Default.MarksDocument));
        MarksDocument read = JsonSerializer.Deserialize(written, MarksJson.Default.MarksDocument)!;
        Assert.Equal(written, JsonSerializer.SerializeToUtf8Bytes(read, reflection));
    }
}
