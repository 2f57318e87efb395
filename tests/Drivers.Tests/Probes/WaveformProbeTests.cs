using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Features.Probes;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Probes;

/// <summary>The waveform probes: the 1× line grows whatever its phase, impacts land at the bearing's defect rates, and the
/// shaft rate comes from the settings, the recording or the window, in that order.</summary>
public class WaveformProbeTests
{
    private const double Rate = 12_000;
    private static readonly SensorFormat Format = SensorFormat.Waveform(1024, Rate, ["accel"], ["g"]);

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(Math.PI)]
    [InlineData(4.5)]
    public void Imbalance_raises_the_existing_once_per_revolution_line_whatever_its_phase(double phase)
    {
        var frame = new SensorFrame(Format) { Count = 1024 };
        var sine = Signals.Sine(1024, Rate, 30, 0.05, phase);
        var noise = Signals.GaussianNoise(1024, 0.01, seed: 5);
        for (int i = 0; i < 1024; i++) frame.ChannelBuffer(0)[i] = sine[i] + noise[i];
        var probes = new FaultProbes(Format, new FaultProbeSettings(Waveform: new WaveformProbeSettings(ShaftHz: 30)));
        var layout = new FeatureLayout(16);
        var original = new float[probes.Size];
        new FeatureTransform(Format).Extract(frame, original);
        var rows = new float[probes.Count * probes.Size];

        probes.Make(frame, rows);

        float rms = rows[layout.Rms]; // row 0 = imbalance
        Assert.True(rms > 1.5f * original[layout.Rms], $"rms {rms} vs {original[layout.Rms]}: the added 1× must add to the line, not cancel it");
    }

    [Fact]
    public void Outer_race_impacts_land_every_sample_rate_over_bpfo_samples_and_inner_race_impacts_swell_once_per_revolution()
    {
        var impacts = new RingingImpacts(Rate, 3000, 0.0008);
        double shaftHz = 29.95, bpfo = 3.5848 * shaftHz, bpfi = 5.4152 * shaftHz;
        var outer = new float[12_000];
        impacts.Add(outer, bpfo, 1.0, phase: 0.25);
        var outerRuns = Runs(outer);
        Assert.InRange(outerRuns.Count, (int)bpfo - 1, (int)bpfo + 1); // one second
        var spacing = outerRuns.Zip(outerRuns.Skip(1), (a, b) => b.Start - a.Start).ToList();
        Assert.All(spacing, s => Assert.InRange(s, Rate / bpfo - 1, Rate / bpfo + 1));
        Assert.All(outerRuns, r => Assert.InRange(r.Peak, 0.8, 1.0)); // every outer-race impact alike

        var inner = new float[12_000];
        impacts.Add(inner, bpfi, 1.0, phase: 0.25, shaftHz, depth: 0.45);
        var innerRuns = Runs(inner);
        Assert.InRange(innerRuns.Count, (int)bpfi - 1, (int)bpfi + 1);
        double largest = innerRuns.Max(r => r.Peak), smallest = innerRuns.Min(r => r.Peak);
        Assert.True(smallest < 0.25 * largest, $"inner-race impacts {smallest} … {largest}: not modulated at the shaft rate");
    }

    [Fact]
    public void The_shaft_rate_is_the_configured_one_else_the_recordings_rpm_else_the_windows_own_line()
    {
        var cwru = FaultProbeContractTests.RealFrame("waveform"); // carries its recording: rpm 1797
        var cwruFormat = cwru.Format;
        var rows = new float[3 * new FeatureTransform(cwruFormat).Size];

        var configured = new FaultProbes(cwruFormat, new FaultProbeSettings(Waveform: new WaveformProbeSettings(ShaftHz: 25)));
        configured.Make(cwru, rows);
        Assert.Equal(25, configured.LastRotationHz);

        var recorded = new FaultProbes(cwruFormat);
        recorded.Make(cwru, rows);
        Assert.Equal(1797 / 60.0, recorded.LastRotationHz, 1e-9);

        var frame = new SensorFrame(Format) { Count = 1024 };
        var sine = Signals.Sine(1024, Rate, 45, 0.05);
        var noise = Signals.GaussianNoise(1024, 0.005, seed: 9);
        for (int i = 0; i < 1024; i++) frame.ChannelBuffer(0)[i] = sine[i] + noise[i];
        var estimated = new FaultProbes(Format);
        estimated.Make(frame, rows);
        Assert.Equal(45, estimated.LastRotationHz, 3.0); // one bin is 11.7 Hz; the parabola gets within a few Hz
    }

    // runs of non-zero samples (one per impact when impacts do not overlap): where each starts and its largest |value|
    private static List<(int Start, double Peak)> Runs(float[] x)
    {
        var runs = new List<(int, double)>();
        int i = 0;
        while (i < x.Length)
        {
            if (x[i] == 0) { i++; continue; }
            int start = i - 1; // a ring starts with sin 0 = 0
            double peak = 0;
            while (i < x.Length && (x[i] != 0 || (i + 1 < x.Length && x[i + 1] != 0))) peak = Math.Max(peak, Math.Abs(x[i++]));
            runs.Add((start, peak));
        }
        return runs;
    }
}
