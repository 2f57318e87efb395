using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;

namespace SensorOdl.Daemon.Tests;

/// <summary>Adaptation:Coverage: a drift job collects until its windows cover the new normal, not just MinSamples.</summary>
public sealed class CoverageJobTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-coverage-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    static DaemonSettings Settings(bool coverage) => new()
    {
        Storage = new() { SampleIntervalSeconds = 0 },
        Adaptation = new() { MinIntervalMinutes = 0, Coverage = coverage },
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_new_normal_that_changes_again_while_the_job_collects_is_waited_for_only_with_coverage(bool coverage)
    {
        DaemonSettings settings = Settings(coverage);
        using SimulatedPipeline rig = SimulatedPipeline.Start(_state, settings, seed: 13, trainingWindows: 300);
        rig.Stream(100);
        rig.Remount();
        for (int i = 0; i < 2000 && !rig.Types.Contains("drift_detected"); i++) rig.Next();
        Assert.Contains("drift_detected", rig.Types);
        rig.Stream(80); // 80 of the job's MinSamples (120) windows: then the new normal shows a second face
        long secondMs = (long)Math.Round(rig.Clock.Seconds * 1000);
        rig.Machine.Machine.SetCondition(rig.Machine.Machine.Condition with { NoiseG = 0.12 });
        for (int i = 0; i < 2000 && rig.Pipeline.Adaptation.History.Count == 0; i++) rig.Next();
        Assert.NotEmpty(rig.Pipeline.Adaptation.History);

        FinishedJob job = rig.Pipeline.Adaptation.History[0];
        HashSet<long> fitted = [.. job.Ids];
        int afterSecond = rig.Pipeline.Stores.Samples.Newest(100_000).Count(s => fitted.Contains(s.Id) && s.Ts >= secondMs);
        if (coverage) Assert.True(afterSecond >= 80, $"with coverage the job fitted {afterSecond} windows of the second face");
        else Assert.True(afterSecond <= 45, $"without coverage the job trains at MinSamples: {afterSecond} windows of the second face");
    }
}
