using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Models;
using SensorOdl.Learning.Networks;

namespace SensorOdl.Learning.Tests;

public sealed class ModelFileTests : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("sensorodl-model-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_base_model_round_trips_with_its_metadata_and_hash()
    {
        Network network = TinyNetworks.Classifier(seed: 4);
        string path = Path.Combine(_directory, "base.sodl");
        string hash = ModelFile.Write(path, ModelDocument.FromNetwork(network, new Dictionary<string, string> { ["threshold"] = "0.25" },
            [new NamedTensor("norm.mean", [2], [1.5f, -2f])]));
        (ModelDocument document, string readHash) = ModelFile.Read(path);
        Assert.Equal(hash, readHash);
        Assert.Equal("0.25", document.Metadata["threshold"]);
        Assert.Equal([1.5f, -2f], document.Find("norm.mean")!.Values);
        Network restored = document.ToNetwork();
        Assert.Equal(network.Parameters.SelectMany(p => p.Value), restored.Parameters.SelectMany(p => p.Value));
        Assert.Equal(network.Spec, restored.Spec);
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public void Adapters_round_trip_and_name_their_base()
    {
        var adapters = new AdapterSet("skip2-lora-q4", 4, [new NamedTensor("skip.0.A", [1, 2], [3f, 4f])]);
        string path = Path.Combine(_directory, "v2.adapters");
        ModelFile.Write(path, ModelDocument.FromAdapters(adapters, "abc123"));
        (ModelDocument document, _) = ModelFile.Read(path);
        Assert.Equal("abc123", document.Metadata[ModelDocument.BaseHashKey]);
        AdapterSet read = document.ToAdapters();
        Assert.Equal("skip2-lora-q4", read.Method);
        Assert.Equal(4, read.Rank);
        Assert.Equal([3f, 4f], read.Get("skip.0.A").Values);
        Assert.Throws<ModelFormatException>(() => document.ToNetwork());
    }

    [Fact]
    public void A_truncated_file_is_refused_with_a_clear_error()
    {
        byte[] bytes = ModelFile.Serialize(ModelDocument.FromNetwork(TinyNetworks.Classifier()));
        foreach (int length in new[] { 0, 5, 20, bytes.Length / 2, bytes.Length - 1 })
        {
            var e = Assert.Throws<ModelFormatException>(() => ModelFile.Deserialize(bytes.AsSpan(0, length), "m.sodl"));
            Assert.Contains("m.sodl", e.Message);
        }
    }

    [Fact]
    public void A_single_flipped_bit_anywhere_is_refused()
    {
        byte[] bytes = ModelFile.Serialize(ModelDocument.FromNetwork(TinyNetworks.Classifier()));
        var random = new Random(2);
        for (int trial = 0; trial < 20; trial++)
        {
            var corrupted = (byte[])bytes.Clone();
            int index = random.Next(corrupted.Length);
            corrupted[index] ^= (byte)(1 << random.Next(8));
            Assert.Throws<ModelFormatException>(() => ModelFile.Deserialize(corrupted));
        }
    }

    [Fact]
    public void A_missing_file_is_a_model_format_error_naming_the_path()
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Read(Path.Combine(_directory, "absent.sodl")));
        Assert.Contains("absent.sodl", e.Message);
    }
}
