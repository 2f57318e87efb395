using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// The probe guard for waveform models: probes are made from the raw windows as they arrive, stored beside the
/// windows (and evicted with them), and looked up by sample id when a candidate is judged.
/// </summary>
public sealed class WaveformProbeGuardTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-waveprobe-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    /// <summary>Windows of the simulated machine in a real sample store, each with the probes the daemon makes as it arrives.</summary>
    static (float[] Features, long[] Ids, int D, ProbeSet Probes, float[] OuterRaceShift) Store(SampleStore samples, int n, int seed)
    {
        using var machine = new SimulatedMachineSensor(new SimulationSettings(12_000, 1024, Seed: seed, Speed: 0));
        var transform = new FeatureTransform(machine.Format);
        WindowProber prober = WindowProber.For(machine.Format)!;
        int d = transform.Size;
        SensorFrame frame = machine.CreateFrame();
        var features = new float[n * d];
        var ids = new long[n];
        var outerShift = new float[d]; // mean |outer-race probe − window| per feature
        for (int i = 0; i < n; i++)
        {
            machine.Read(frame);
            Span<float> row = features.AsSpan(i * d, d);
            transform.Extract(frame, row);
            ReadOnlySpan<float> probes = prober.Probe(frame);
            for (int j = 0; j < d; j++) outerShift[j] += Math.Abs(probes[d + j] - row[j]) / n; // row 1 = outer race
            ids[i] = samples.Add(row, i * 1000L, probes);
        }
        return (features, ids, d, FeatureProbes.For(machine.Format, samples, enforceWaveform: true)!, outerShift);
    }

    /// <summary>Squared standardised distance to the fit windows' centre over the features the scorer looks at; threshold at the 99th percentile of calibration.</summary>
    static (Func<float[], int, float[]> Score, float Threshold) Scorer(float[] fit, float[] calibration, int d, Func<int, bool> looksAt)
    {
        int n = fit.Length / d;
        double[] centre = [.. Enumerable.Range(0, d).Select(j => Enumerable.Range(0, n).Average(s => fit[s * d + j]))];
        double[] spread = [.. Enumerable.Range(0, d).Select(j => Math.Max(1e-6, Math.Sqrt(Enumerable.Range(0, n).Average(s => Math.Pow(fit[s * d + j] - centre[j], 2)))))];
        float[] Score(float[] x, int count) => [.. Enumerable.Range(0, count).Select(s =>
            (float)Enumerable.Range(0, d).Where(looksAt).Sum(j => Math.Pow((x[s * d + j] - centre[j]) / spread[j], 2)))];
        return (Score, Quantiles.Of(Score(calibration, calibration.Length / d), 0.99));
    }

    [Fact]
    public void A_waveform_candidate_blind_to_impulse_trains_is_refused_and_one_that_sees_every_feature_is_not()
    {
        using StateDatabase state = StateDatabase.Open(_state);
        var samples = new SampleStore(state, capacity: 1000);
        (float[] x, long[] ids, int d, ProbeSet probes, float[] outerShift) = Store(samples, 160, seed: 21);
        float[] fit = x[..(100 * d)], calibration = x[(100 * d)..(130 * d)], held = x[(130 * d)..];
        long[] heldIds = ids[130..];
        // Blind by construction: it ignores every feature the outer-race impulses move by more than a little.
        float largest = outerShift.Max();
        (Func<float[], int, float[]> blindScore, float blindBar) = Scorer(fit, calibration, d, j => outerShift[j] < 0.05f * largest);
        (Func<float[], int, float[]> wholeScore, float wholeBar) = Scorer(fit, calibration, d, _ => true);

        ProbeVerdict blind = ProbeGuard.Judge(blindScore, blindBar, probes, held, fit, calibration, d, 0.01, 0.95, 0.2, heldIds)!;
        ProbeVerdict whole = ProbeGuard.Judge(wholeScore, wholeBar, probes, held, fit, calibration, d, 0.01, 0.95, 0.2, heldIds)!;

        Assert.Equal(30, blind.Windows);
        Assert.False(blind.Passed);
        Assert.True(blind.Blocks);
        ProbeVerdict reported = ProbeGuard.Judge(blindScore, blindBar, probes with { Advisory = true }, held, fit, calibration, d, 0.01, 0.95, 0.2, heldIds)!;
        Assert.False(reported.Passed);
        Assert.False(reported.Blocks); // the default for waveforms: reported, not enforced (Adaptation:EnforceWaveformProbes)
        Assert.Matches("^blind to synthetic (outer|inner)-race probes", blind.Blindness);
        Assert.True(whole.Passed, whole.Blindness);
    }

    [Fact]
    public void Windows_without_stored_probes_give_none_and_a_held_set_without_any_gives_no_verdict()
    {
        using StateDatabase state = StateDatabase.Open(_state);
        var samples = new SampleStore(state, capacity: 1000);
        (float[] x, long[] ids, int d, ProbeSet probes, _) = Store(samples, 40, seed: 22);
        long old = samples.Add(x.AsSpan(0, d), 99_000); // as a window stored by the previous release: no probes

        Assert.Null(samples.ProbesOf([old])[0]);
        (float[] made, int windows) = probes.Of([.. x[..(3 * d)], .. x[..d]], [ids[0], ids[1], ids[2], old], 4, d);
        Assert.Equal(3, windows);
        Assert.Equal(3 * probes.Kinds.Count * d, made.Length);
        Assert.Null(ProbeGuard.Judge((_, n) => new float[n], 0, probes, x[..d], x, x, d, 0.01, null, 0.2, [old]));
    }

    [Fact]
    public void Stored_probes_leave_with_their_windows_when_the_ring_evicts_them()
    {
        using StateDatabase state = StateDatabase.Open(_state);
        var samples = new SampleStore(state, capacity: 100);
        (_, long[] ids, _, _, _) = Store(samples, 230, seed: 23);
        samples.Flush();

        IReadOnlyList<float[]?> probes = samples.ProbesOf(ids);
        Assert.All(probes.Take(130), p => Assert.Null(p));
        Assert.All(probes.Skip(130), p => Assert.NotNull(p));
        Assert.Equal(100, state.Database.GetCollection(SampleStore.CollectionName).Count("$.Probes != null")); // in the windows' own documents
    }

    [Fact]
    public void A_drift_job_on_a_waveform_machine_is_judged_by_the_probe_guard()
    {
        var settings = new DaemonSettings { Storage = new() { SampleIntervalSeconds = 0 } };
        using SimulatedPipeline rig = SimulatedPipeline.Start(_state, settings, seed: 24, trainingWindows: 300);
        Assert.NotNull(rig.Pipeline.Model.Current.Model.ProbeReference);
        rig.Stream(50);
        rig.Remount();
        for (int i = 0; i < 2000 && rig.Pipeline.Adaptation.History.Count == 0; i++) rig.Next();

        FinishedJob job = Assert.Single(rig.Pipeline.Adaptation.History);
        Assert.NotNull(job.Probes);
        Assert.Equal(["imbalance", "outer-race", "inner-race"], job.Probes.Kinds.Select(k => k.Kind));
        Assert.True(job.Probes.Windows > 0);
    }
}
