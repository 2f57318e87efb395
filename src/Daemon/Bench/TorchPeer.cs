using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SensorOdl.Learning.Layers;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Bench;

/// <summary>Seconds: the fastest cold start's wall time; CpuSeconds: the least process CPU time of the cold starts.</summary>
public sealed record TorchMethodResult(string Name, double Seconds, double Accuracy, double CpuSeconds);

/// <summary>What bench/peers/torch_finetune.py printed.</summary>
public sealed record TorchPeerReport(string TorchVersion, int Threads, double BaseAccuracy, IReadOnlyList<TorchMethodResult> Methods);

/// <summary>Python or PyTorch cannot run the peer: the bench stops with this one line.</summary>
public sealed class TorchPeerUnavailableException(string message) : Exception(message);

/// <summary>
/// The PyTorch peer of the fine-tuning bench: the same base weights, fine-tuning images and test images written
/// to a directory (<see cref="PeerTensorFile"/> plus settings.json), then bench/peers/torch_finetune.py run on them
/// in a child process, after our own methods, on the same machine.
/// </summary>
public sealed class TorchPeer(string python, string script)
{
    public const string ScriptRelativePath = "bench/peers/torch_finetune.py";

    /// <summary>The script next to the working directory or the binary (a repository checkout), or null.</summary>
    public static string? FindScript()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, ScriptRelativePath);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>Fails fast, before our own methods run, when the peer cannot run.</summary>
    public string CheckAvailable(CancellationToken cancellation)
    {
        if (!File.Exists(script)) throw new TorchPeerUnavailableException($"the PyTorch peer script {script} does not exist");
        (int exit, string output, string error) = Run(["-c", "import torch; print(torch.__version__)"], cancellation);
        if (exit != 0)
            throw new TorchPeerUnavailableException($"{python} cannot import torch (install Debian's python3-torch): {error.Trim().Split('\n')[^1]}");
        return output.Trim();
    }

    public static void Export(string directory, Network baseNetwork, SampleSet train, SampleSet test, FinetuneBenchmarkOptions options, IReadOnlyList<string> methods)
    {
        Directory.CreateDirectory(directory);
        var tensors = new List<PeerTensor>
        {
            new("train.x", [train.Count, train.InputSize], train.Inputs[..(train.Count * train.InputSize)]),
            new("train.y", [train.Count], [.. train.Labels!.Select(l => (float)l)]),
            new("test.x", [test.Count, test.InputSize], test.Inputs[..(test.Count * test.InputSize)]),
            new("test.y", [test.Count], [.. test.Labels!.Select(l => (float)l)]),
        };
        foreach (int i in baseNetwork.WeightedLayers)
        {
            var layer = (IWeightedLayer)baseNetwork.Layers[i];
            tensors.Add(new($"layer{i}.weight", [.. layer.Weight.Shape], (float[])layer.Weight.Value.Clone()));
            tensors.Add(new($"layer{i}.bias", [.. layer.Bias.Shape], (float[])layer.Bias.Value.Clone()));
        }
        PeerTensorFile.Write(Path.Combine(directory, "tensors.bin"), tensors);
        File.WriteAllText(Path.Combine(directory, "settings.json"), new JsonObject
        {
            ["epochs"] = options.Epochs,
            ["rank"] = options.Rank,
            ["batch"] = options.BatchSize,
            ["lr"] = options.LearningRate,
            ["seed"] = options.Seed,
            ["repeats"] = options.Repeats,
            ["methods"] = new JsonArray([.. methods.Select(m => (JsonNode?)JsonValue.Create(m))]),
        }.ToJsonString());
    }

    /// <summary>Runs the peer on an exported directory; its progress lines go to <paramref name="log"/>.</summary>
    public TorchPeerReport Run(string directory, Action<string> log, CancellationToken cancellation)
    {
        (int exit, string output, string error) = Run([script, directory], cancellation, log);
        if (exit != 0) throw new TorchPeerUnavailableException($"the PyTorch peer failed with exit code {exit}: {error.Trim().Split('\n')[^1]}");
        string json = output.Trim().Split('\n')[^1];
        return JsonSerializer.Deserialize(json, SensorOdl.Daemon.Cli.ReportJson.For<TorchPeerReport>())
            ?? throw new TorchPeerUnavailableException("the PyTorch peer printed no report");
    }

    /// <summary>`--describe DIR`: each tensor's shape and sum as the Python reader sees them (no torch needed).</summary>
    public Dictionary<string, (int[] Shape, double Sum)> Describe(string directory, CancellationToken cancellation)
    {
        (int exit, string output, string error) = Run([script, "--describe", directory], cancellation);
        if (exit != 0) throw new InvalidOperationException($"--describe failed with exit code {exit}: {error}");
        using JsonDocument document = JsonDocument.Parse(output);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name,
            p => (p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(), p.Value.GetProperty("sum").GetDouble()));
    }

    (int Exit, string Output, string Error) Run(IEnumerable<string> arguments, CancellationToken cancellation, Action<string>? log = null)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new TorchPeerUnavailableException($"could not start {python}");
        }
        catch (Win32Exception e)
        {
            throw new TorchPeerUnavailableException($"could not start {python} (install python3 and Debian's python3-torch): {e.Message}");
        }
        using (process)
        using (cancellation.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
        {
            var error = new StringBuilder();
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (error) error.AppendLine(e.Data);
                log?.Invoke(e.Data);
            };
            process.BeginErrorReadLine();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            cancellation.ThrowIfCancellationRequested();
            lock (error) return (process.ExitCode, output, error.ToString());
        }
    }
}
