using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.Models;

namespace SensorOdl.Learning.Tests;

/// <summary>
/// The reservoir (a seeded sample of the base's normal training windows, stored in its file) and rehearsal (the
/// adapters fit the new normal plus reservoir windows, so the old normal is not forgotten).
/// </summary>
public sealed class RehearsalTests
{
    static readonly AnomalyModel Base = Rooms.Base();
    const int D = Rooms.D;

    static (AnomalyModel Candidate, CandidateReport Report) AdaptToRoomB(AnomalyModel model, double rehearsal, IForwardCacheStore? cache = null,
        bool renormalise = true) =>
        ModelAdapter.Adapt(model, Rooms.Windows(200, 31, roomB: true), [.. Enumerable.Range(1, 200).Select(i => (long)i)], [],
            Rooms.Adaptation with { Rehearsal = rehearsal, Renormalise = renormalise }, cache ?? new InMemoryForwardCacheStore());

    [Fact]
    public void The_base_keeps_a_seeded_sample_of_its_training_windows_and_its_file_round_trips_it()
    {
        float[] training = Rooms.Windows(400, 1);
        Assert.Equal(AnomalyTrainingOptions.DefaultReservoirSize, Base.ReservoirCount);
        var rows = new HashSet<string>(Enumerable.Range(0, 400).Select(i => string.Join(',', training.AsSpan(i * D, D).ToArray())));
        for (int r = 0; r < Base.ReservoirCount; r++) Assert.Contains(string.Join(',', Base.Reservoir.AsSpan(r * D, D).ToArray()), rows);
        Assert.Equal(Base.ReservoirCount, Enumerable.Range(0, Base.ReservoirCount).Select(r => string.Join(',', Base.Reservoir.AsSpan(r * D, D).ToArray())).Distinct().Count());
        Assert.Equal(Base.Reservoir, Rooms.Base().Reservoir); // same seed, same sample
        Assert.NotEqual(Base.Reservoir, AnomalyTrainer.Reservoir(training, 400, D, 256, seed: 2));

        byte[] bytes = ModelFile.Serialize(AnomalyModelDocuments.Base(Base));
        ModelDocument document = ModelFile.Deserialize(bytes);
        Assert.Equal("3", document.Metadata["anomalyFormat"]); // a base of today also keeps its score share
        AnomalyModel read = AnomalyModelDocuments.ReadBase(document, ModelFile.Hash(bytes));
        Assert.Equal(Base.Reservoir, read.Reservoir);
        Assert.Equal(Base.BaseHash, read.BaseHash);
        // Versions carry their base's reservoir.
        Assert.Equal(Base.Reservoir, AdaptToRoomB(read, 0).Candidate.Reservoir);
    }

    [Fact]
    public void A_base_file_of_the_previous_format_loads_without_a_reservoir_keeps_its_bytes_and_adapts_without_rehearsal()
    {
        ModelDocument current = AnomalyModelDocuments.Base(Base);
        ModelDocument previous = current with
        {
            Tensors = [.. current.Tensors.Where(t => t.Name != "reservoir")],
            Metadata = current.Metadata.Where(m => m.Key is not ("anomalyFormat" or "scoreShare")).ToDictionary(),
        };
        byte[] bytes = ModelFile.Serialize(previous);
        AnomalyModel old = AnomalyModelDocuments.ReadBase(ModelFile.Deserialize(bytes), ModelFile.Hash(bytes));
        Assert.Equal(0, old.ReservoirCount);
        // Written again, it is the same file: the adapters that name its hash still find it.
        Assert.Equal(bytes, ModelFile.Serialize(AnomalyModelDocuments.Base(old)));
        (_, CandidateReport report) = AdaptToRoomB(old, 0.5);
        Assert.Equal(0, report.Rehearsed);
        Assert.True(report.Accepted, report.Reason);

        ModelDocument future = current with { Metadata = new Dictionary<string, string>(current.Metadata) { ["anomalyFormat"] = "4" } };
        var error = Assert.Throws<ModelFormatException>(() => AnomalyModelDocuments.ReadBase(future, "x"));
        Assert.Contains("format 4", error.Message);
    }

    [Fact]
    public void With_rehearsal_a_candidate_for_a_new_room_still_accepts_the_old_room_when_the_machine_goes_back()
    {
        float[] roomA = Rooms.Windows(300, 32), roomB = Rooms.Windows(300, 33, roomB: true), faultsInB = Rooms.Windows(100, 34, roomB: true, fault: true);
        (AnomalyModel plain, CandidateReport plainReport) = AdaptToRoomB(Base, 0);
        (AnomalyModel rehearsed, CandidateReport report) = AdaptToRoomB(Base, 0.5);
        Assert.True(plainReport.Accepted && report.Accepted, plainReport.Reason + " / " + report.Reason);
        Assert.Equal(0, plainReport.Rehearsed);
        Assert.Equal(report.Fitted, report.Rehearsed); // half of the fit set

        double forgotten = Rooms.Flagged(plain, roomA), kept = Rooms.Flagged(rehearsed, roomA);
        Assert.True(forgotten > 0.5, $"without rehearsal the old room is flagged {forgotten:P1}");
        Assert.True(kept < 0.2, $"with rehearsal the old room is flagged {kept:P1} (without {forgotten:P1})");
        Assert.True(Rooms.Flagged(rehearsed, roomB) < 0.08, $"new room false alarms {Rooms.Flagged(rehearsed, roomB):P1}");
        Assert.True(Rooms.Flagged(rehearsed, faultsInB) > 0.9, $"faults in the new room {Rooms.Flagged(rehearsed, faultsInB):P1}");
    }

    [Fact]
    public void Rehearsal_windows_are_cached_under_ids_that_never_meet_the_sample_stores_or_the_exemplars()
    {
        var store = new RecordingStore();
        (_, CandidateReport report) = AdaptToRoomB(Base, 0.25, store, renormalise: false); // only a fit through the base's normaliser uses the store
        Assert.True(report.Rehearsed > 0);
        long[] reservoirIds = [.. store.Puts.Where(id => id < 0 && id > BandLifts.IdBase)];
        Assert.Equal(report.Rehearsed, reservoirIds.Length);
        Assert.All(reservoirIds, id => Assert.InRange(id, ModelAdapter.ReservoirIdBase - Base.ReservoirCount + 1, ModelAdapter.ReservoirIdBase));
        Assert.Equal(report.Fitted, store.Puts.Count(id => id > 0));
        Assert.True(report.Denoised > 0); // the lifted copies (Adaptation:Denoise, on by default) have a range of their own below
        Assert.Equal(report.Denoised, store.Puts.Count(id => id <= BandLifts.IdBase));
    }

    [Fact]
    public void The_full_retrain_baseline_fits_the_same_rehearsal_windows_so_the_speed_ratio_counts_them_on_both_sides()
    {
        (_, CandidateReport adapters) = AdaptToRoomB(Base, 0.25);
        (_, CandidateReport full) = ModelAdapter.Adapt(Base, Rooms.Windows(200, 31, roomB: true), [.. Enumerable.Range(1, 200).Select(i => (long)i)], [],
            Rooms.Adaptation with { Rehearsal = 0.25, Method = ModelAdapter.FullRetrain, Training = Rooms.Adaptation.Training with { Epochs = 2 } });
        Assert.True(adapters.Rehearsed > 0);
        Assert.Equal((adapters.Fitted, adapters.Rehearsed), (full.Fitted, full.Rehearsed));
    }

    [Theory]
    [InlineData(0, 60, 0)]
    [InlineData(0.25, 60, 20)]
    [InlineData(0.5, 60, 60)]
    [InlineData(0.5, 600, 256)] // never more than the reservoir holds
    public void The_mix_sets_the_reservoirs_share_of_the_fit_set(double share, int fitted, int expected)
    {
        int[] rows = ModelAdapter.RehearsalRows(256, fitted, share, seed: 1);
        Assert.Equal(expected, rows.Length);
        Assert.Equal(rows.Length, rows.Distinct().Count());
        Assert.All(rows, r => Assert.InRange(r, 0, 255));
    }

    sealed class RecordingStore : IForwardCacheStore
    {
        readonly InMemoryForwardCacheStore _inner = new();
        public List<long> Puts { get; } = [];

        public IForwardCache Open(string baseHash, CacheLayout layout, CacheEncoding encoding) => new Recording(_inner.Open(baseHash, layout, encoding), Puts);

        sealed class Recording(IForwardCache inner, List<long> puts) : IForwardCache
        {
            public ForwardCacheCodec Codec => inner.Codec;
            public int Count => inner.Count;
            public bool TryGet(long sampleId, Span<float> entry) => inner.TryGet(sampleId, entry);
            public void Put(long sampleId, ReadOnlySpan<float> entry)
            {
                puts.Add(sampleId);
                inner.Put(sampleId, entry);
            }
            public void Flush() => inner.Flush();
        }
    }
}
