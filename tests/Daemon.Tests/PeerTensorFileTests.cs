using SensorOdl.Daemon.Bench;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Tests;

/// <summary>The file `bench finetune --compare-torch` hands to bench/peers/torch_finetune.py.</summary>
public sealed class PeerTensorFileTests : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("sensorodl-peer-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    static (SampleSet Train, SampleSet Test) Images()
    {
        var random = new Random(3);
        SampleSet Set(int count) => new(784, [.. Enumerable.Range(0, count * 784).Select(_ => random.NextSingle())],
            [.. Enumerable.Range(0, count).Select(i => i % 10)]);
        return (Set(6), Set(4));
    }

    [Fact]
    public void Tensors_round_trip_bit_for_bit()
    {
        string path = Path.Combine(_directory, "t.bin");
        PeerTensor[] written =
        [
            new("a", [2, 3], [1f, -2.5f, float.Epsilon, 1e30f, -0f, 3.25f]),
            new("ünïcode.name", [1], [7f]),
            new("empty", [0, 4], []),
        ];
        PeerTensorFile.Write(path, written);
        IReadOnlyList<PeerTensor> read = PeerTensorFile.Read(path);
        Assert.Equal(written.Select(t => t.Name), read.Select(t => t.Name));
        for (int i = 0; i < written.Length; i++)
        {
            Assert.Equal(written[i].Shape, read[i].Shape);
            Assert.Equal(written[i].Values.Select(BitConverter.SingleToInt32Bits), read[i].Values.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void A_truncated_or_foreign_file_is_refused_and_a_wrong_shape_is_not_written()
    {
        string path = Path.Combine(_directory, "t.bin");
        PeerTensorFile.Write(path, [new PeerTensor("a", [4], [1f, 2f, 3f, 4f])]);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^3]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => PeerTensorFile.Read(path)).Message);
        File.WriteAllText(path, "not tensors at all");
        Assert.Contains("not a SensorOdl tensor file", Assert.Throws<InvalidDataException>(() => PeerTensorFile.Read(path)).Message);
        Assert.Throws<ArgumentException>(() => PeerTensorFile.Write(path, [new PeerTensor("a", [3], [1f, 2f])]));
    }

    [Fact]
    public void The_export_holds_the_base_weights_and_images_the_peer_needs()
    {
        Network network = NetworkFactory.LeNet5(seed: 5);
        (SampleSet train, SampleSet test) = Images();
        TorchPeer.Export(_directory, network, train, test, new FinetuneBenchmarkOptions { CacheDirectory = _directory, Epochs = 2, Rank = 3 }, ["skip2-lora"]);
        Dictionary<string, PeerTensor> read = PeerTensorFile.Read(Path.Combine(_directory, "tensors.bin")).ToDictionary(t => t.Name);
        Assert.Equal(["train.x", "train.y", "test.x", "test.y", "layer0.weight", "layer0.bias", "layer3.weight", "layer3.bias",
            "layer7.weight", "layer7.bias", "layer9.weight", "layer9.bias", "layer11.weight", "layer11.bias"], read.Keys);
        Assert.Equal([6, 784], read["train.x"].Shape);
        Assert.Equal(train.Inputs, read["train.x"].Values);
        Assert.Equal(test.Labels!.Select(l => (float)l), read["test.y"].Values);
        Assert.Equal([16, 150], read["layer3.weight"].Shape);
        Assert.Equal(network.Weighted(1).Weight.Value, read["layer3.weight"].Values);
        string settings = File.ReadAllText(Path.Combine(_directory, "settings.json"));
        Assert.Contains("\"epochs\":2", settings);
        Assert.Contains("\"rank\":3", settings);
        Assert.Contains("\"methods\":[\"skip2-lora\"]", settings);
    }

    // The Python side of the format: the peer's own reader (standard library only, no torch) sees the same shapes and sums.
    [PythonFact]
    public void The_peer_script_reads_what_the_bench_writes()
    {
        string? script = TorchPeer.FindScript();
        Assert.NotNull(script);
        PeerTensorFile.Write(Path.Combine(_directory, "tensors.bin"),
            [new PeerTensor("w", [2, 2], [0.5f, -1.25f, 3f, 1e-3f]), new PeerTensor("labels", [3], [0f, 9f, 4f])]);
        Dictionary<string, (int[] Shape, double Sum)> seen = new TorchPeer("/usr/bin/python3", script!).Describe(_directory, CancellationToken.None);
        Assert.Equal([2, 2], seen["w"].Shape);
        Assert.Equal(0.5 - 1.25 + 3 + (double)1e-3f, seen["w"].Sum, 12);
        Assert.Equal(13.0, seen["labels"].Sum);
    }
}

/// <summary>A fact that needs /usr/bin/python3 (standard library only); skipped, saying so, without it.</summary>
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute()
    {
        if (!File.Exists("/usr/bin/python3")) Skip = "no /usr/bin/python3: the peer script's reader cannot be checked";
    }
}
