using SensorOdl.Daemon.Configuration;
using SensorOdl.Drivers.Features;
using SensorOdl.Daemon.Pipeline;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// A stuck sensor never becomes a new normal: 30 minutes of data time under Adaptation:Mode=auto through the daemon's own
/// monitor and coordinator, the simulated machine's output replaced by each way a sensor gets stuck.
/// </summary>
public sealed class StuckSensorAdaptationTests : IDisposable
{
    const double Lsb = 0.0039; // g per code of an ADXL345 at ±16 g
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-stuck-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public void Thirty_minutes_of_a_stuck_sensor_under_auto_train_nothing_and_promote_nothing()
    {
        var settings = new DaemonSettings { Adaptation = new() { Mode = AdaptationMode.Auto } };
        using SimulatedPipeline rig = SimulatedPipeline.Start(_state, settings, seed: 5, trainingWindows: 300);
        rig.Stream(200);
        int storedBefore = rig.Pipeline.Stores.Samples.CountSince(long.MinValue);
        double windowS = rig.Machine.Format.Length / rig.Machine.Format.SampleRateHz;
        // the toggling code first: its windows have a little variance, so Flat alone let them drift and train
        string[] kinds = ["one code, last bit toggling", "constant", "zeros", "full scale", "NaN bursts"];
        int perKind = (int)Math.Ceiling(6 * 60 / windowS);
        var random = new Random(11);
        var notStuck = new List<string>();

        foreach (string kind in kinds)
        {
            for (int i = 0; i < perKind; i++)
            {
                WindowResult result = rig.Next(frame => Stick(frame.ChannelBuffer(0), kind, random));
                if (result.Scored || (result.Flags & (WindowFlags.StuckAt | WindowFlags.NonFinite)) == 0) notStuck.Add($"{kind}: {result.Flags}");
            }
        }

        Assert.True(rig.Clock.Seconds >= 30 * 60 + 200 * windowS - 1, $"only {rig.Clock.Seconds} s of data");
        Assert.DoesNotContain("model_promoted", rig.Types);
        Assert.Equal(1, rig.Pipeline.Model.Current.Info.Version);
        Assert.DoesNotContain("training_started", rig.Types);
        Assert.DoesNotContain("drift_detected", rig.Types);
        Assert.Equal(storedBefore, rig.Pipeline.Stores.Samples.CountSince(long.MinValue));
        Assert.Empty(notStuck);
        var sensor = rig.Pipeline.Status.ToJson(0)["sensor"]!;
        Assert.Equal(kinds.Length * perKind, (long)sensor["skippedWindows"]!);
        Assert.Contains("NonFinite", (string?)sensor["lastSkipReason"]);
    }

    static void Stick(Span<float> x, string kind, Random random)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float code = 0.98f + random.Next(2) * (float)Lsb;
            x[i] = kind switch
            {
                "one code, last bit toggling" => code,
                "constant" => 0.98f,
                "zeros" => 0,
                "full scale" => 16,
                "NaN bursts" => i % 256 < 40 ? float.NaN : code,
                _ => throw new ArgumentException(kind),
            };
        }
    }
}
