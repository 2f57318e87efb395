using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Drift;
using SensorOdl.Learning.Models;

namespace SensorOdl.Learning.Tests;

/// <summary>
/// Drift declared from a shift of the whole score distribution: a room where few windows cross the threshold but nearly
/// all score above the reference's 90th percentile.
/// </summary>
public sealed class ShiftDeclarationTests
{
    static readonly DriftSettings Settings = new() { Window = 60, Level = 0.5, Persistence = 30 };

    /// <summary>Reference normal: uniform scores on [0, 1), so the 90th percentile is 0.9; the threshold is 1 (1 % above it).</summary>
    static float Reference(Random random) => random.NextDouble() < 0.01 ? 1.5f : (float)random.NextDouble() * 0.99f;

    /// <summary>A quieter room the model never saw: every score 0.92–1.02, so a fifth of them over the threshold.</summary>
    static float ShiftedRoom(Random random) => 0.92f + 0.1f * (float)random.NextDouble();

    static (double? DeclaredAt, DriftDetector Detector) Stream(float? referenceHigh, Func<Random, float> before, Func<Random, float> after, int changeAt = 300, int windows = 1200)
    {
        var random = new Random(13);
        var detector = new DriftDetector(Settings, threshold: 1f, normalRate: 0.01, referenceMedian: 0.5f, referenceHigh: referenceHigh);
        for (int t = 0; t < windows; t++)
            if (detector.Observe(t < changeAt ? before(random) : after(random), t) == DriftChange.Detected) return (t, detector);
        return (null, detector);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_room_that_moves_every_score_up_but_few_over_the_threshold_is_declared_drift(bool withHigh)
    {
        (double? declaredAt, DriftDetector detector) = Stream(withHigh ? 0.9f : null, Reference, ShiftedRoom);
        if (!withHigh)
        {
            Assert.Null(declaredAt); // the flags alone (~22 % of windows, level 50 %) never get there
            return;
        }
        Assert.NotNull(declaredAt);
        Assert.InRange(declaredAt!.Value, 300 + 60 - 1, 300 + 60 + 30 + 10); // a window of the new room and the persistence
        Assert.True(detector.Statistic < Settings.Level, $"the flags stay under the level ({detector.Statistic:P0})");
        Assert.True(detector.ShiftStatistic >= DriftDetector.ShiftLevel);
        Assert.InRange(detector.OnsetS!.Value, 295, 320); // the score CUSUM dates it where the room changed
    }

    [Fact]
    public void A_shift_that_the_threshold_lets_pass_is_not_drift()
    {
        // Every score above the 90th percentile, none over the threshold: the model does not alarm, nothing to adapt.
        (double? declaredAt, DriftDetector detector) = Stream(0.9f, Reference, random => 0.92f + 0.07f * (float)random.NextDouble());
        Assert.Null(declaredAt);
        Assert.True(detector.ShiftStatistic >= DriftDetector.ShiftLevel);
    }

    [Fact]
    public void The_reference_itself_and_a_condition_of_it_held_for_long_are_not_drift()
    {
        // A long run of the reference's louder half (0.5–1): 20 % of it above the 90th percentile, never 90 %.
        (double? declaredAt, DriftDetector detector) = Stream(0.9f, Reference, random => 0.5f + 0.5f * (float)random.NextDouble(), windows: 3000);
        Assert.Null(declaredAt);
        Assert.True(detector.ShiftStatistic < DriftDetector.ShiftLevel / 2, $"{detector.ShiftStatistic:P0}");
    }

    [Fact]
    public void A_shift_declaration_clears_only_when_both_shares_are_under_half_their_levels()
    {
        var random = new Random(17);
        var detector = new DriftDetector(Settings, threshold: 1f, referenceHigh: 0.9f);
        int t = 0;
        List<DriftChange> Feed(Func<Random, float> score, int windows) => [.. Enumerable.Range(0, windows).Select(_ => detector.Observe(score(random), t++))];
        Assert.Contains(DriftChange.Detected, Feed(ShiftedRoom, 200));
        // Still shifted, flags well under half the level: without the shift share in the clearing rule this clears.
        Assert.DoesNotContain(DriftChange.Cleared, Feed(ShiftedRoom, 300));
        Assert.Single(Feed(Reference, 200), c => c == DriftChange.Cleared);
    }

    [Fact]
    public void Reset_takes_the_new_versions_90th_percentile()
    {
        var detector = new DriftDetector(Settings, threshold: 1f, referenceHigh: 0.9f);
        detector.Reset(threshold: 2f, referenceMedian: 1f, referenceHigh: 1.6f);
        Assert.Equal(1.6f, detector.ReferenceHigh);
        detector.Reset(threshold: 2f);
        Assert.Null(detector.ReferenceHigh);
    }

    [Fact]
    public void A_model_file_keeps_the_90th_percentile_and_one_written_before_it_was_kept_reads_none()
    {
        AnomalyModel model = Rooms.Base();
        Assert.True(model.Reference.ScoreHigh > model.Reference.ScoreMedian && model.Reference.ScoreHigh < model.Threshold,
            $"median {model.Reference.ScoreMedian}, 90th percentile {model.Reference.ScoreHigh}, threshold {model.Threshold}");
        ModelDocument document = ModelFile.Deserialize(ModelFile.Serialize(AnomalyModelDocuments.Base(model)));
        Assert.Equal(model.Reference.ScoreHigh, AnomalyModelDocuments.ReadBase(document, model.BaseHash).Reference.ScoreHigh);

        var older = document.Metadata.Where(m => m.Key != "ref.scoreHigh").ToDictionary(m => m.Key, m => m.Value);
        AnomalyModel read = AnomalyModelDocuments.ReadBase(document with { Metadata = older }, model.BaseHash);
        Assert.True(float.IsNaN(read.Reference.ScoreHigh));
        Assert.Equal(model.Reference.ScoreMedian, read.Reference.ScoreMedian);
    }
}
