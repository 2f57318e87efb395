using System.Diagnostics;
using SensorOdl.Learning.Layers;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Bench;

/// <summary>The base forward of a cold epoch 1, timed alone, and the layers' share of it.</summary>
/// <remarks>Seconds: wall clock; CpuSeconds: the thread's CPU time over the same pass (the process's when the network
/// runs on several threads), which a shared machine's load inflates less.</remarks>
public sealed record BaseForwardResult(int Images, int BatchSize, long MultiplyAddsPerImage, double Seconds, double GigaflopsPerSecond,
    double CpuSeconds, double GigaflopsPerCpuSecond, IReadOnlyList<LayerTime> Layers);

public sealed record LayerTime(string Layer, double Seconds);

/// <summary>
/// Runs the frozen base over the fine-tuning images in mini-batches, exactly the forward passes a cold
/// skip2-lora epoch 1 makes, without cache encoding or adapter work, and reports the median of several
/// passes (the machine is shared: a median resists one-sided noise and a single lucky run).
/// GFLOP/s = 2 × multiply-adds per image × images ÷ seconds.
/// </summary>
public static class BaseForwardTiming
{
    public static BaseForwardResult Measure(Network network, SampleSet images, int batchSize, int passes)
    {
        Network.Activations activations = network.CreateActivations(batchSize);
        int count = images.Count, inputs = network.InputSize;
        var totals = new double[passes];
        var cpu = new double[passes];
        var layerSeconds = new double[passes, network.Layers.Count];
        for (int pass = 0; pass < passes; pass++)
        {
            long start = Stopwatch.GetTimestamp();
            double cpuStart = CpuSeconds(network);
            for (int first = 0; first < count; first += batchSize)
            {
                int batch = Math.Min(batchSize, count - first);
                ReadOnlySpan<float> x = images.Inputs.AsSpan(first * inputs, batch * inputs);
                if (network.Threads > 1)
                {
                    network.Forward(x, activations, batch); // the batch split among threads: no per-layer times
                    continue;
                }
                x.CopyTo(activations.Values[0]);
                for (int i = 0; i < network.Layers.Count; i++)
                {
                    long layerStart = Stopwatch.GetTimestamp();
                    // As Network.Forward: a ReLU after a layer that fuses it runs in that layer's pass (its time is 0 here).
                    if (FusedRelu(network, i)) network.Layers[i].ForwardRelu(activations.Values[i], activations.Values[i + 1], batch);
                    else if (!FusedRelu(network, i - 1)) network.Layers[i].Forward(activations.Values[i], activations.Values[i + 1], batch);
                    layerSeconds[pass, i] += Stopwatch.GetElapsedTime(layerStart).TotalSeconds;
                }
            }
            totals[pass] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            cpu[pass] = CpuSeconds(network) - cpuStart;
        }
        int median = MedianIndex(totals);
        long multiplyAdds = MultiplyAddsPerImage(network);
        LayerTime[] layers = network.Threads > 1 ? [] : [.. network.Layers.Select((layer, i) => new LayerTime($"{i}:{layer.Spec.Type}", layerSeconds[median, i]))];
        double flops = 2.0 * multiplyAdds * count, cpuMedian = cpu.Order().ElementAt(passes / 2);
        return new BaseForwardResult(count, batchSize, multiplyAdds, totals[median], flops / totals[median] / 1e9, cpuMedian, flops / cpuMedian / 1e9, layers);
    }

    /// <summary>The multiply-adds of the weighted layers for one image (LeNet-5: 416,520).</summary>
    public static long MultiplyAddsPerImage(Network network) => network.Layers.Sum(layer => layer switch
    {
        Conv2d conv => (long)conv.OutChannels * conv.FanIn * conv.OutHeight * conv.OutWidth,
        Dense dense => (long)dense.FanIn * dense.FanOut,
        _ => 0L,
    });

    static bool FusedRelu(Network network, int layer) =>
        layer >= 0 && layer + 1 < network.Layers.Count && network.Layers[layer].FusesRelu && network.Layers[layer + 1] is Relu;

    // One thread: that thread's CPU time; several: the whole process's (the pool threads doing the work).
    static double CpuSeconds(Network network) => network.Threads > 1 ? ThreadCpuClock.ProcessSeconds() : ThreadCpuClock.Seconds();

    static int MedianIndex(double[] values)
    {
        int[] order = [.. Enumerable.Range(0, values.Length).OrderBy(i => values[i])];
        return order[values.Length / 2];
    }
}
