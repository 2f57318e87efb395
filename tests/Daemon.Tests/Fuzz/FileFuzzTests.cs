using System.Security.Cryptography;
using System.Text;
using CsCheck;
using SensorOdl.Drivers.Recordings;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Models;

namespace SensorOdl.Daemon.Tests.Fuzz;

/// <summary>
/// Property: the parsers behind `train`, `evaluate`, `run` and `replay` — recording manifests (with their filters and
/// data files) and model files — refuse any input they cannot use with their documented exception
/// (<see cref="RecordingFormatException"/>, <see cref="ManifestFilterException"/>, <see cref="ModelFormatException"/>),
/// never with another one. A fifth (manifests, written to disk per case) and a half (model files) of the command fuzzer's cases in CI.
/// </summary>
public sealed class FileFuzzTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-filefuzz-").FullName;

    /// <summary>Data files the manifests may name: written once, only the manifest changes per case.</summary>
    public FileFuzzTests()
    {
        var random = new Random(3);
        byte[] f32 = new byte[4096];
        random.NextBytes(f32);
        File.WriteAllBytes(Path.Combine(_dir, "a.f32"), f32);
        File.WriteAllBytes(Path.Combine(_dir, "b.f32"), f32[..7]);
        File.WriteAllBytes(Path.Combine(_dir, "empty.f32"), []);
        File.WriteAllText(Path.Combine(_dir, "a.csv"), "x,y\n1,2\n3\nnan,1e400\n,\n" + string.Join("\n", Enumerable.Range(0, 200).Select(i => $"{i},{-i}")));
        File.WriteAllBytes(Path.Combine(_dir, "b.csv"), f32[..300]);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly Gen<string> FieldValue = Gen.Frequency(
        (5, HostileGen.Scalar),
        (2, Gen.OneOf<string>("\"waveform\"", "\"spectrum\"", "\"a.f32\"", "\"a.csv\"", "\"b.f32\"", "\"b.csv\"", "\"empty.f32\"", "\"../a.f32\"", "\"/dev/null\"", "\"\"", "\"nope.f32\"")),
        (1, Gen.OneOf<string>("[{\"from\":0,\"to\":1e300,\"speed\":\"h\"}]", "[{\"from\":-5,\"to\":-1}]", "[1,2]", "[{}]", "{}")),
        (1, HostileGen.Deep.Select(d => d.Length > 300 ? d[..300] : d)));

    static readonly string[] Fields = ["file", "name", "kind", "sampleRateHz", "sample_rate_hz", "samples", "channels", "bins", "binHz", "frames",
        "framePeriodS", "primary", "segments", "state", "speed"];

    static readonly Gen<string> Entry = Gen.Select(Gen.OneOf<string>(Fields), FieldValue).Array[0, 8]
        .Select(pairs => "{" + string.Join(",", pairs.Select(p => $"\"{p.Item1}\":{p.Item2}")) + "}");

    static readonly Gen<string> ManifestJson = Gen.Frequency(
        (6, Gen.Frequency((5, Entry), (1, HostileGen.Scalar)).Array[0, 4].Select(entries => "{\"dataset\":\"fuzz\",\"recordings\":[" + string.Join(",", entries) + "]}")),
        (1, HostileGen.Scalar),
        (1, HostileGen.Deep));

    static readonly Gen<byte[]> ManifestBytes = Gen.Frequency(
        (6, ManifestJson.Select(Encoding.UTF8.GetBytes)),
        (2, Gen.Select(ManifestJson, Gen.Int, Gen.Byte, (json, at, b) =>
        {
            byte[] bytes = Encoding.UTF8.GetBytes(json);
            if (bytes.Length > 0) bytes[(int)((uint)at % (uint)bytes.Length)] = b;
            return bytes;
        })),
        (1, Gen.Byte.Array[0, 300]));

    static readonly Gen<string> Filter = Gen.Frequency(
        (3, Gen.Const("")),
        (2, Gen.Select(Gen.OneOf<string>(Fields), Gen.OneOf<string>("h", "1", "null", "true", "x|y", "", "1e400")).Select((k, v) => $"{k}={v}")),
        (1, HostileGen.ShortText));

    public sealed record ManifestCase(byte[] Manifest, string Filter)
    {
        public override string ToString() => $"manifest [{Encoding.UTF8.GetString(Manifest)}], filter '{Filter}'";
    }

    [Fact]
    public async Task Hostile_manifests_are_refused_only_with_the_recording_exceptions()
    {
        Gen<ManifestCase> cases = Gen.Select(ManifestBytes, Filter, (m, f) => new ManifestCase(m, f));
        await FuzzCases.RunAsync(cases, c =>
        {
            string folder = _dir;
            File.WriteAllBytes(Path.Combine(folder, RecordingManifest.FileName), c.Manifest);
            try
            {
                RecordingManifest manifest = RecordingManifest.Load(folder);
                IReadOnlyList<RecordingEntry> selected = manifest.Select(c.Filter);
                foreach (RecordingEntry entry in selected) RecordingFrames.Count(entry, 64);
                // The frames train and evaluate read, a few of them.
                foreach (RecordedFrame _ in RecordingFrames.Enumerate(selected, 64).Take(8)) { }
            }
            catch (Exception e) when (e is RecordingFormatException or ManifestFilterException) { }
        }, "manifests", share: 0.2);
    }

    public sealed record ModelCase(byte[] Bytes)
    {
        public override string ToString() => $"{Bytes.Length} bytes";
    }

    static byte[] ValidModel()
    {
        AnomalyModel model = TinyModels.Base(seed: 5);
        return ModelFile.Serialize(AnomalyModelDocuments.Base(model));
    }

    static readonly Lazy<byte[]> ValidModelBytes = new(ValidModel);

    /// <summary>Damage to a real model file; the header JSON is rewritten and the checksum recomputed half of the time, so that the parser gets past it.</summary>
    static readonly Gen<ModelCase> Models = Gen.Select(Gen.Int[0, 3], Gen.Int, Gen.Byte, Gen.Bool, HostileGen.Scalar, (kind, at, value, reseal, scalar) =>
    {
        byte[] bytes = ValidModelBytes.Value.ToArray();
        int headerLength = BitConverter.ToInt32(bytes, 11);
        switch (kind)
        {
            case 0: bytes[(int)((uint)at % (uint)bytes.Length)] ^= value; break;
            case 1: bytes = bytes[..(int)((uint)at % (uint)bytes.Length)]; break;
            case 2: // a hostile value in the header JSON
                string header = Encoding.UTF8.GetString(bytes, 15, headerLength);
                int cut = (int)((uint)at % (uint)header.Length);
                int colon = header.IndexOf(':', cut);
                if (colon > 0) header = header[..(colon + 1)] + scalar + header[(colon + 1)..];
                byte[] h = Encoding.UTF8.GetBytes(header);
                bytes = [.. bytes[..11], .. BitConverter.GetBytes(h.Length), .. h, .. bytes[(15 + headerLength)..]];
                break;
            default: bytes[15 + (int)((uint)at % (uint)headerLength)] = value; break;
        }
        if (reseal && bytes.Length > 32)
        {
            byte[] body = bytes[..^32];
            bytes = [.. body, .. SHA256.HashData(body)];
        }
        return new ModelCase(bytes);
    });

    [Fact]
    public async Task Hostile_model_files_are_refused_only_with_ModelFormatException()
    {
        AnomalyModelDocuments.ReadBase(ModelFile.Deserialize(ValidModelBytes.Value), "x"); // the undamaged file reads
        await FuzzCases.RunAsync(Models, c =>
        {
            try
            {
                ModelDocument document = ModelFile.Deserialize(c.Bytes);
                AnomalyModelDocuments.ReadBase(document, ModelFile.Hash(c.Bytes));
            }
            catch (ModelFormatException) { }
        }, "model files", share: 0.5);
    }
}
