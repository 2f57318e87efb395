using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.Drift;
using SensorOdl.Learning.Models;
using SensorOdl.Learning.FineTuning;

namespace SensorOdl.Learning.Tests;

/// <summary>Synthetic "spectra": two latent factors in room A; room B adds a hum; a fault adds a line.</summary>
internal static class Rooms
{
    public const int D = 12;

    public static float[] Windows(int count, int seed, bool roomB = false, bool fault = false)
    {
        var random = new Random(seed);
        var x = new float[count * D];
        for (int s = 0; s < count; s++)
        {
            double a = 1 + random.NextDouble(), b = random.NextDouble();
            for (int i = 0; i < D; i++)
            {
                double v = a * Math.Exp(-i / 4.0) + b * Math.Sin(i / 2.0) + 0.05 * random.NextDouble();
                if (roomB) v += 0.8 * Math.Exp(-Math.Pow(i - 3, 2)) + 0.3;
                if (fault && (i == 8 || i == 9)) v += 1.5;
                x[s * D + i] = (float)v;
            }
        }
        return x;
    }

    public static double Flagged(AnomalyModel model, float[] x) =>
        Enumerable.Range(0, x.Length / D).Count(s => model.Score(x.AsSpan(s * D, D)) > model.Threshold) / (double)(x.Length / D);

    /// <summary>The adaptation these tests were written with: the defaults, at learning rate 5e-3.</summary>
    public static readonly AdaptationOptions Adaptation = new() { Training = AdaptationOptions.Defaults.Training with { LearningRate = 5e-3f } };

    public static AnomalyModel Base() => AnomalyTrainer.TrainBase(Windows(400, 1), 400, "{\"kind\":\"test\"}", new AnomalyTrainingOptions());
}

public class AnomalyTests
{
    static readonly AnomalyModel Base = Rooms.Base();

    [Fact]
    public void A_base_model_flags_few_fresh_normal_windows_and_most_faults_and_drifted_windows()
    {
        Assert.True(Rooms.Flagged(Base, Rooms.Windows(300, 2)) < 0.05);
        Assert.True(Rooms.Flagged(Base, Rooms.Windows(100, 3, fault: true)) > 0.95);
        Assert.True(Rooms.Flagged(Base, Rooms.Windows(100, 4, roomB: true)) > 0.9);
        Assert.Equal(64, Base.BaseHash.Length);
    }

    [Fact]
    public void Hidden_layers_are_derived_from_the_input_size_unless_given()
    {
        var options = new AnomalyTrainingOptions();
        Assert.Equal([128, 64, 128], options.HiddenFor(511)); // spectra: the 64-wide bottleneck (docs/BENCHMARKS.md, issue 9 session 18)
        Assert.Equal([10, 4, 10], options.HiddenFor(21)); // the simulated machine's features
        Assert.Equal([16, 6], (options with { Hidden = [16, 6] }).HiddenFor(511));
    }

    [Fact]
    public void Model_files_round_trip_to_identical_scores()
    {
        byte[] bytes = ModelFile.Serialize(AnomalyModelDocuments.Base(Base));
        AnomalyModel read = AnomalyModelDocuments.ReadBase(ModelFile.Deserialize(bytes), ModelFile.Hash(bytes));
        Assert.Equal(Base.BaseHash, read.BaseHash);
        float[] x = Rooms.Windows(20, 5);
        for (int s = 0; s < 20; s++) Assert.Equal(Base.Score(x.AsSpan(s * Rooms.D, Rooms.D)), read.Score(x.AsSpan(s * Rooms.D, Rooms.D)));
        Assert.Equal(Base.Threshold, read.Threshold);
        Assert.Equal(Base.Reference.Centroid, read.Reference.Centroid);
    }

    [Fact]
    public void A_base_with_a_probe_reference_is_written_again_with_the_same_bytes()
    {
        AnomalyModel withProbes = Base.WithProbeReference(5.0 / 6); // not a float: read back as one, it changed the bytes
        byte[] bytes = ModelFile.Serialize(AnomalyModelDocuments.Base(withProbes));
        AnomalyModel read = AnomalyModelDocuments.ReadBase(ModelFile.Deserialize(bytes), ModelFile.Hash(bytes));
        Assert.Equal(bytes, ModelFile.Serialize(AnomalyModelDocuments.Base(read)));
        Assert.Equal(withProbes.BaseHash, read.BaseHash);
        Assert.Equal(5.0 / 6, read.ProbeReference);
    }

    [Fact]
    public void Adapting_to_a_new_room_brings_false_alarms_down_and_keeps_faults_flagged()
    {
        float[] roomB = Rooms.Windows(160, 6, roomB: true);
        float[] faultsInB = Rooms.Windows(40, 7, roomB: true, fault: true);
        (AnomalyModel candidate, CandidateReport report) = ModelAdapter.Adapt(Base, roomB, [.. Enumerable.Range(0, 160).Select(i => (long)i)],
            faultsInB, Rooms.Adaptation, new InMemoryForwardCacheStore());
        Assert.True(report.Accepted, report.Reason);
        Assert.True(report.FalseAlarmsBefore > 0.9 && report.FalseAlarmsAfter < 0.1, report.Reason);
        Assert.True(Rooms.Flagged(candidate, Rooms.Windows(200, 8, roomB: true)) < 0.08);
        Assert.True(Rooms.Flagged(candidate, Rooms.Windows(100, 9, roomB: true, fault: true)) > 0.9);
        Assert.Equal("skip2-lora-q4", candidate.Method);

        // The version file restores the same adapted model on the same base.
        ModelDocument version = ModelFile.Deserialize(ModelFile.Serialize(AnomalyModelDocuments.Version(candidate)));
        AnomalyModel restored = AnomalyModelDocuments.ReadVersion(Base, version, new FineTuneOptions());
        float[] x = Rooms.Windows(10, 10, roomB: true);
        for (int s = 0; s < 10; s++) Assert.Equal(candidate.Score(x.AsSpan(s * Rooms.D, Rooms.D)), restored.Score(x.AsSpan(s * Rooms.D, Rooms.D)), 5);
    }

    [Fact]
    public void A_persistent_fault_offered_as_the_new_normal_is_rejected_when_exemplars_of_it_are_known()
    {
        float[] damagedAsNormal = Rooms.Windows(160, 11, fault: true);
        float[] exemplars = Rooms.Windows(40, 12, fault: true);
        (_, CandidateReport report) = ModelAdapter.Adapt(Base, damagedAsNormal, [.. Enumerable.Range(0, 160).Select(i => (long)i)],
            exemplars, Rooms.Adaptation);
        Assert.False(report.Accepted);
        Assert.Contains("known faults", report.Reason);
    }

    static AnomalyModel Classifier()
    {
        float[] normal = Rooms.Windows(300, 21), faults = Rooms.Windows(100, 22, fault: true);
        int[] labels = [.. Enumerable.Repeat(0, 300), .. Enumerable.Repeat(1, 100)];
        return AnomalyTrainer.TrainClassifier([.. normal, .. faults], 400, labels, ModelHead.Classifier(["normal", "fault"], 0),
            "{\"kind\":\"test\"}", new AnomalyTrainingOptions());
    }

    [Fact]
    public void A_classifier_head_scores_one_minus_the_normal_probability_and_round_trips()
    {
        AnomalyModel classifier = Classifier();
        Assert.True(Rooms.Flagged(classifier, Rooms.Windows(200, 23)) < 0.05);
        Assert.True(Rooms.Flagged(classifier, Rooms.Windows(100, 24, fault: true)) > 0.95);
        Assert.Equal(100, classifier.ExemplarCount);
        Assert.All(classifier.ExemplarLabels, l => Assert.Equal(1, l));

        byte[] bytes = ModelFile.Serialize(AnomalyModelDocuments.Base(classifier));
        AnomalyModel read = AnomalyModelDocuments.ReadBase(ModelFile.Deserialize(bytes), ModelFile.Hash(bytes));
        Assert.True(read.Head.IsClassifier);
        Assert.Equal(["normal", "fault"], read.Head.Classes);
        float[] x = Rooms.Windows(5, 25, fault: true);
        for (int s = 0; s < 5; s++) Assert.Equal(classifier.Score(x.AsSpan(s * Rooms.D, Rooms.D)), read.Score(x.AsSpan(s * Rooms.D, Rooms.D)));
    }

    [Fact]
    public void A_classifier_adapted_to_a_new_room_learns_it_as_normal_and_keeps_naming_the_fault()
    {
        AnomalyModel classifier = Classifier();
        float[] roomB = Rooms.Windows(160, 26, roomB: true);
        (AnomalyModel candidate, CandidateReport report) = ModelAdapter.Adapt(classifier, roomB, [.. Enumerable.Range(0, 160).Select(i => (long)i)],
            classifier.Exemplars, Rooms.Adaptation, new InMemoryForwardCacheStore());
        Assert.True(report.Accepted, report.Reason);
        Assert.True(Rooms.Flagged(candidate, Rooms.Windows(200, 27, roomB: true)) < 0.1);
        Assert.True(Rooms.Flagged(candidate, Rooms.Windows(100, 28, fault: true)) > 0.9);
        Assert.True(candidate.Head.IsClassifier);
    }

    [Fact]
    public void The_adaptation_defaults_are_the_daemons()
    {
        AdaptationOptions d = AdaptationOptions.Defaults;
        Assert.Equal(("skip2-lora-q4", 4, 30, 16, 0.9), (d.Method, d.Rank, d.Training.Epochs, d.Training.BatchSize, d.MinFaultRecall));
        Assert.Equal(0.002f, d.Training.LearningRate);
        Assert.Equal((float)AdaptationOptions.DefaultLearningRate, d.Training.LearningRate);
        Assert.True(FineTuneMethods.IsKnown(AdaptationOptions.DefaultMethod));
    }

    [Fact]
    public void The_anomaly_rule_raises_on_k_of_n_and_clears_after_a_normal_run()
    {
        var rule = new AnomalyRule(raiseAfter: 3, window: 5, clearAfter: 4);
        bool[] verdicts = [true, false, true, false, false, true, true];
        var changes = verdicts.Select(rule.Observe).ToArray();
        // The last five at index 6 are t,f,f,t,t: three above, so the state turns on there and not before.
        Assert.Equal([false, false, false, false, false, false, true], changes);
        Assert.True(rule.Active);
        Assert.False(rule.Observe(false));
        Assert.False(rule.Observe(false));
        Assert.False(rule.Observe(false));
        Assert.True(rule.Observe(false));
        Assert.False(rule.Active);
    }

    [Fact]
    public void Drift_is_declared_once_after_a_persistent_move_and_a_short_burst_is_not_drift()
    {
        var detector = new DriftDetector(new DriftSettings { Window = 20, Level = 0.5, Persistence = 10 }, threshold: 1f);
        int t = 0;
        for (int i = 0; i < 100; i++) Assert.Equal(DriftChange.None, detector.Observe(i % 20 == 0 ? 2f : 0.5f, t++));
        for (int i = 0; i < 8; i++) Assert.Equal(DriftChange.None, detector.Observe(3f, t++)); // a burst
        for (int i = 0; i < 40; i++) Assert.Equal(DriftChange.None, detector.Observe(0.5f, t++));
        var changes = Enumerable.Range(0, 60).Select(_ => detector.Observe(2f, t++)).ToList();
        Assert.Single(changes, c => c == DriftChange.Detected);
        // The statistic reaches 10/20 at the 10th high window (index 9); ten windows at the level make index 18.
        Assert.Equal(18, changes.IndexOf(DriftChange.Detected));
        Assert.True(detector.Detected);
        Assert.True(detector.Reset(threshold: 5f));
        Assert.False(detector.Detected);
    }
}

public class DriftHysteresisTests
{
    /// <summary>Scores whose share above the threshold (1) over the last 20 windows is exactly <paramref name="share"/> (in tenths).</summary>
    static IEnumerable<float> Share(int tenths, int windows) => Enumerable.Range(0, windows).Select(i => i % 10 < tenths ? 2f : 0.5f);

    [Fact]
    public void Declared_drift_holds_while_the_share_sits_between_half_the_level_and_the_level_and_clears_only_below_half()
    {
        var detector = new DriftDetector(new DriftSettings { Window = 20, Level = 0.5, Persistence = 10 }, threshold: 1f);
        int t = 0;
        List<DriftChange> Feed(IEnumerable<float> scores) => [.. scores.Select(s => detector.Observe(s, t++))];
        Assert.Contains(DriftChange.Detected, Feed(Share(10, 40)));
        // 30 % above: under the level (50 %) but over its half — without hysteresis this would clear.
        Assert.DoesNotContain(DriftChange.Cleared, Feed(Share(3, 200)));
        Assert.True(detector.Detected);
        // 10 % above, under the half: clears once, after Persistence windows under it.
        List<DriftChange> clearing = Feed(Share(1, 60));
        Assert.Single(clearing, c => c == DriftChange.Cleared);
        Assert.False(detector.Detected);
    }
}

public class FullRetrainBaselineTests
{
    [Fact]
    public void The_full_retrain_baseline_changes_a_copy_and_judges_it_against_the_untouched_model()
    {
        AnomalyModel model = Rooms.Base();
        float[] before = [.. model.Base.Parameters.SelectMany(p => p.Value)];
        float[] roomB = Rooms.Windows(80, 31, roomB: true);
        (AnomalyModel full, CandidateReport report) = ModelAdapter.Adapt(model, roomB, [.. Enumerable.Range(0, 80).Select(i => (long)i)], [],
            Rooms.Adaptation with { Method = ModelAdapter.FullRetrain });
        Assert.Equal(before, model.Base.Parameters.SelectMany(p => p.Value).ToArray());
        Assert.True(report.FalseAlarmsBefore > 0.9, $"before is the unadapted model: {report.FalseAlarmsBefore:P0}");
        Assert.True(report.FalseAlarmsAfter < 0.2, report.Reason);
        Assert.NotEqual(before, full.Base.Parameters.SelectMany(p => p.Value).ToArray());
    }
}
