using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Features.Probes;
using SensorOdl.Drivers.Recordings;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Drivers.Tests.Support;
using Xunit.Abstractions;

namespace SensorOdl.Drivers.Tests.Probes;

/// <summary>
/// Pins the choice of the default probe amplitudes on the shared data (the table in src/Drivers/README.md, "Fault probes",
/// is this output): probes stand out from normal windows of the same recording set about as clearly as real damage does,
/// and no further than it (fan), or much less far than the smallest seeded faults (CWRU, simulated machine).
/// </summary>
public class ProbeNoveltyTests(ITestOutputHelper output)
{
    [Fact]
    public void Fan_spectrum_probes_stand_out_from_normal_about_as_far_as_the_real_damage_and_no_further()
    {
        var manifest = RecordingManifest.Load(SharedData.CoolingFan);
        var format = SensorFormat.Spectrum(512, 1.0, 2.047);
        var transform = new FeatureTransform(format);
        var probes = new FaultProbes(format);
        var measurements = new List<ProbeMeasurement>();
        foreach (string env in new[] { "silentA", "noisy" })
        foreach (string speed in new[] { "h", "m", "l" })
        {
            var normal = FanFeatures(manifest, transform, $"env={env},state=normal", speed);
            var m = new ProbeMeasurement($"{env} {speed}", normal);
            m.AddProbes(probes, (i, rows) => probes.MakeFromFeatures(normal[i], rows), probes.Size);
            m.AddFault("damage1", FanFeatures(manifest, transform, $"env={env},state=damage1", speed));
            m.AddFault("damage2", FanFeatures(manifest, transform, $"env={env},state=damage2", speed));
            foreach (string line in m.Table()) output.WriteLine(line);
            measurements.Add(m);
        }

        foreach (string kind in probes.Names)
        {
            var rows = measurements.Select(m => m.Probe(kind)).ToList();
            double pooled = rows.Sum(r => r.AboveQ99 * r.Count) / rows.Sum(r => r.Count);
            Assert.True(pooled >= 0.9, $"{kind}: {pooled:P0} of the probes above the normal q99 over all rooms and speeds");
        }
        foreach (var m in measurements)
        {
            double damage = m.Faults.Max(f => f.Median);
            Assert.All(m.Faults, f => Assert.True(f.AboveQ99 >= 0.6, $"{m.Context} {f.Name}: the yardstick itself must see the real damage"));
            foreach (var probe in m.Probes)
            {
                Assert.True(probe.AboveQ99 >= 0.6, $"{m.Context} {probe.Name}: {probe.AboveQ99:P0} above the normal q99");
                Assert.True(probe.Median <= 1.25 * damage, $"{m.Context} {probe.Name}: median novelty {probe.Median:F2} vs real damage {damage:F2}");
            }
        }
    }

    [Fact]
    public void Cwru_waveform_probes_stand_out_from_normal_and_stay_far_milder_than_the_smallest_seeded_faults()
    {
        var manifest = RecordingManifest.Load(SharedData.Cwru);
        var format = SensorFormat.Waveform(1024, 12_000, ["de"], ["g"]);
        var transform = new FeatureTransform(format);
        var probes = new FaultProbes(format);
        int keep = transform.Size - 1; // dominantHz left out: normal windows hold it on a 4,145 Hz tone (std 0.3 Hz)
        var normalFrames = RecordingFrames.Enumerate(manifest.Select("state=normal")).ToList();
        var frame = new SensorFrame(format);
        var normal = normalFrames.Select((f, i) => CwruFeatures(transform, Fill(frame, f, i), keep)).ToList();
        var m = new ProbeMeasurement("cwru normal 0 hp", normal);
        m.AddProbes(probes, (i, rows) => probes.Make(Fill(frame, normalFrames[i], i), rows), keep);
        Assert.Equal(29.95, probes.LastRotationHz, 0.01); // 1797 rpm from the manifest
        foreach (string fault in new[] { "IR", "B", "OR@6" })
        foreach (int load in new[] { 0, 1 })
        {
            var windows = RecordingFrames.Enumerate(manifest.Select($"fault={fault},load_hp={load}"))
                .Select((f, i) => CwruFeatures(transform, Fill(frame, f, i), keep)).ToList();
            m.AddFault($"{fault} {load} hp", windows);
        }
        foreach (string line in m.Table()) output.WriteLine(line);

        double mildest = m.Faults.Min(f => f.Median);
        foreach (var probe in m.Probes)
        {
            Assert.True(probe.AboveQ99 >= 0.9, $"{probe.Name}: {probe.AboveQ99:P0} above the normal q99");
            Assert.True(probe.Median <= 0.5 * mildest, $"{probe.Name}: median novelty {probe.Median:F2} vs the mildest seeded fault {mildest:F2}");
        }
    }

    [Fact]
    public void Simulated_machine_probes_stand_out_and_stay_below_its_mildest_injected_faults()
    {
        var format = SensorFormat.Waveform(1024, 12_000, ["accel"], ["g"], 16);
        var transform = new FeatureTransform(format);
        var probes = new FaultProbes(format);
        int keep = transform.Size - 1;
        var normalFrames = Simulate(format, MachineFaults.None, 300, seed: 1);
        var normal = normalFrames.Select(f => CwruFeatures(transform, f, keep)).ToList();
        var m = new ProbeMeasurement("simulated machine", normal);
        m.AddProbes(probes, (i, rows) => probes.Make(normalFrames[i], rows), keep);
        (string Probe, string Fault, MachineFaults Faults)[] pairs =
        [
            ("imbalance", "imbalance 0.2", new MachineFaults(Imbalance: 0.2)),
            ("outer-race", "outer race 0.2", new MachineFaults(OuterRace: 0.2)),
            ("inner-race", "inner race 0.2", new MachineFaults(InnerRace: 0.2)),
        ];
        foreach (var pair in pairs)
            m.AddFault(pair.Fault, Simulate(format, pair.Faults, 100, seed: 2).Select(f => CwruFeatures(transform, f, keep)).ToList());
        foreach (string line in m.Table()) output.WriteLine(line);

        Assert.InRange(probes.LastRotationHz, 28, 32); // estimated from the window: the simulated shaft turns at 29.95 Hz
        foreach (var pair in pairs)
        {
            var probe = m.Probe(pair.Probe);
            var fault = m.Faults.Single(f => f.Name == pair.Fault);
            Assert.True(probe.AboveQ99 >= 0.9, $"{probe.Name}: {probe.AboveQ99:P0} above the normal q99");
            Assert.True(probe.Median <= fault.Median, $"{probe.Name}: median novelty {probe.Median:F2} vs {fault.Name} {fault.Median:F2}");
        }
    }

    private static List<float[]> FanFeatures(RecordingManifest manifest, FeatureTransform transform, string filter, string speed)
    {
        var frame = new SensorFrame(transform.Format);
        var list = new List<float[]>();
        foreach (var recorded in RecordingFrames.Enumerate(manifest.Select(filter)).Where(f => f.Speed == speed))
        {
            recorded.Data.CopyTo(frame.ChannelBuffer(0));
            frame.Count = recorded.Length;
            var features = new float[transform.Size];
            transform.Extract(frame, features);
            list.Add(features);
        }
        return list;
    }

    private static SensorFrame Fill(SensorFrame frame, RecordedFrame recorded, int sequence)
    {
        recorded.Data.CopyTo(frame.ChannelBuffer(0));
        frame.Count = recorded.Length;
        frame.Recording = recorded.Entry;
        frame.FrameIndex = recorded.FrameIndex;
        frame.Sequence = sequence;
        return frame;
    }

    private static float[] CwruFeatures(FeatureTransform transform, SensorFrame frame, int keep)
    {
        var features = new float[transform.Size];
        transform.Extract(frame, features);
        return features[..keep];
    }

    private static List<SensorFrame> Simulate(SensorFormat format, MachineFaults faults, int windows, int seed)
    {
        var machine = new SimulatedMachine(format.SampleRateHz, seed, faults: faults);
        var frames = new List<SensorFrame>();
        for (int i = 0; i < windows; i++)
        {
            var frame = new SensorFrame(format) { Count = format.Length, Sequence = i };
            machine.Generate(frame.ChannelBuffer(0));
            frames.Add(frame);
        }
        return frames;
    }
}
