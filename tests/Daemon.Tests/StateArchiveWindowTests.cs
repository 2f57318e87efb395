using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Tests;

/// <summary>The sample store's windows through `state export --samples` and `state import`, read and written through the store's own document mapping.</summary>
public sealed class StateArchiveWindowTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("sensorodl-archive-windows-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    string Dir(string name) => Path.Combine(_root, name);

    /// <summary>13 windows of 4 features; most carry 3 probes (one only a raw encoding holds); labels in between unlabelled windows.</summary>
    void BuildSource(string dir)
    {
        using StateDatabase state = StateDatabase.Open(dir);
        var samples = new SampleStore(state, capacity: 100);
        var random = new Random(3);
        for (int i = 0; i < 12; i++)
        {
            float[] features = [.. Enumerable.Range(0, 4).Select(_ => (float)random.NextDouble())];
            float[] probes = i % 3 == 0 ? [] : [.. Enumerable.Range(0, 12).Select(k => features[k % 4] + (float)random.NextDouble())];
            samples.Add(features, ts: 1_000 + i, probes);
        }
        samples.Add([1, 2, 3, 4], ts: 1_012, [1, 2, 3, 1e6f]);
        Assert.Equal(2, samples.LabelAsync(1_002, 1_003, "fault").GetAwaiter().GetResult());
        Assert.Equal(1, samples.LabelAsync(1_007, 1_007, "normal").GetAwaiter().GetResult());
    }

    static (long Id, long Ts, string? Label, string Features, string? Probes)[] Windows(string dir)
    {
        using StateDatabase state = StateDatabase.Open(dir);
        return [.. SampleDocuments.Windows(state.Database, labelled: true).Concat(SampleDocuments.Windows(state.Database, labelled: false))
            .OrderBy(w => w.Id).Select(w => (w.Id, w.Ts, w.Label, Convert.ToHexString(w.Features), w.Probes is null ? null : Convert.ToHexString(w.Probes)))];
    }

    string Export(string source)
    {
        string archive = Path.Combine(_root, $"{Path.GetFileName(source)}.sodlstate");
        StateArchiveExport.Export(source, archive, "pump7", withSamples: true);
        return archive;
    }

    [Fact]
    public void Ids_labels_features_and_probes_come_back_exactly()
    {
        BuildSource(Dir("source"));
        var before = Windows(Dir("source"));
        Assert.Equal(13, before.Length);
        Assert.Equal(9, before.Count(w => w.Probes is not null));
        Assert.Contains(before, w => w.Probes?.StartsWith("01", StringComparison.Ordinal) == true); // the raw encoding
        Assert.Equal(["fault", "fault", "normal"], before.Where(w => w.Label is not null).Select(w => w.Label));

        StateArchiveImportResult result = StateArchiveImport.Import(StateArchiveReader.Read(Export(Dir("source"))), Dir("target"), keepVersions: 5, replace: false);
        Assert.Equal((3, 10), (result.LabelledWindows, result.Samples));
        Assert.Equal(before, Windows(Dir("target")));

        // The store goes on after the imported ids, and reads the imported probes as the source did.
        using StateDatabase target = StateDatabase.Open(Dir("target"));
        var store = new SampleStore(target, capacity: 100);
        Assert.True(store.Add([5, 6, 7, 8], ts: 2_000) > before.Max(w => w.Id));
        float[]?[] probes = [.. store.ProbesOf([.. before.Select(w => w.Id)])];
        using StateDatabase source = StateDatabase.Open(Dir("source"));
        Assert.Equal(new SampleStore(source, capacity: 100).ProbesOf([.. before.Select(w => w.Id)]), probes);
    }

    [Fact]
    public void Into_a_store_that_used_the_ids_the_windows_keep_their_order_shifted_past_its_own()
    {
        BuildSource(Dir("source"));
        var before = Windows(Dir("source"));
        long ownId;
        using (StateDatabase used = StateDatabase.Open(Dir("used")))
        {
            var store = new SampleStore(used, capacity: 100);
            ownId = store.Add([9, 9, 9, 9], ts: 500);
            store.Flush();
        }

        StateArchiveImport.Import(StateArchiveReader.Read(Export(Dir("source"))), Dir("used"), keepVersions: 5, replace: false);
        var after = Windows(Dir("used"));
        Assert.Equal(ownId, after[0].Id);
        var imported = after[1..];
        long shift = imported[0].Id - before[0].Id;
        Assert.True(shift > 0);
        Assert.Equal(before.Select(w => w with { Id = w.Id + shift }), imported);
    }

    [Fact]
    public void An_archive_of_an_earlier_build_without_ids_is_numbered_in_archive_order()
    {
        var content = new StateArchiveContent(new StateArchiveManifest { LabelledWindows = 1 }, new ArchivedRegistry(null, []),
            [new ArchivedSample(7, "fault", [1, 0, 0, 0])], [new ArchivedSample(3, null, [2, 0, 0, 0]), new ArchivedSample(5, null, [3, 0, 0, 0])],
            [], new Dictionary<string, byte[]>());
        StateArchiveImport.Import(content, Dir("target"), keepVersions: 5, replace: false);
        Assert.Equal([(1L, 7L, "fault"), (2L, 3L, null), (3L, 5L, null)], Windows(Dir("target")).Select(w => (w.Id, w.Ts, w.Label)));
    }

    [Fact]
    public void An_archive_whose_windows_repeat_an_id_is_damaged()
    {
        BuildSource(Dir("source"));
        string archive = Export(Dir("source"));
        using (ZipArchive zip = ZipFile.Open(archive, ZipArchiveMode.Update))
        {
            JsonArray labels = JsonNode.Parse(Read(zip, "labels.json"))!.AsArray();
            labels[1]!["id"] = labels[0]!["id"]!.GetValue<long>();
            byte[] tampered = System.Text.Encoding.UTF8.GetBytes(labels.ToJsonString());
            Replace(zip, "labels.json", tampered);
            JsonNode manifest = JsonNode.Parse(Read(zip, StateArchiveManifest.EntryName))!;
            manifest["entries"]!["labels.json"] = Convert.ToHexStringLower(SHA256.HashData(tampered));
            Replace(zip, StateArchiveManifest.EntryName, System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        }

        var error = Assert.Throws<StateArchiveException>(() => StateArchiveReader.Read(archive));
        Assert.Contains("repeat a sample id", error.Message);

        static string Read(ZipArchive zip, string name)
        {
            using var reader = new StreamReader(zip.GetEntry(name)!.Open());
            return reader.ReadToEnd();
        }

        static void Replace(ZipArchive zip, string name, byte[] bytes)
        {
            zip.GetEntry(name)!.Delete();
            using Stream entry = zip.CreateEntry(name).Open();
            entry.Write(bytes);
        }
    }
}
