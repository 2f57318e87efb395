using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Features.Probes;
using SensorOdl.Drivers.Recordings;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Probes;

/// <summary>What every probe set promises: the frame is left alone, zero amplitude is the identity, nothing is allocated
/// per call, every kind changes the features, and spectrum probes from stored features match probes from the frame.</summary>
public class FaultProbeContractTests
{
    private static readonly FaultProbeSettings SpectrumIdentity = new(Spectrum: new SpectrumProbeSettings(HarmonicGain: 1, SidebandLevel: 0, BroadbandGain: 1));
    private static readonly FaultProbeSettings WaveformIdentity = new(Waveform: new WaveformProbeSettings(ImbalanceLevel: 0, OuterRaceLevel: 0, InnerRaceLevel: 0));

    public static TheoryData<string> Kinds => new() { "spectrum", "waveform" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Make_leaves_the_frame_unchanged(string kind)
    {
        var frame = RealFrame(kind);
        var before = frame.ChannelBuffer(0).ToArray();
        var probes = new FaultProbes(frame.Format);

        probes.Make(frame, new float[probes.Count * probes.Size]);

        Assert.Equal(before, frame.ChannelBuffer(0).ToArray());
        Assert.Equal(frame.Format.Length, frame.Count);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Zero_amplitude_gives_the_features_of_the_frame_itself_bit_for_bit(string kind)
    {
        var frame = RealFrame(kind);
        var probes = new FaultProbes(frame.Format, kind == "spectrum" ? SpectrumIdentity : WaveformIdentity);
        var original = new float[probes.Size];
        new FeatureTransform(frame.Format).Extract(frame, original);
        var rows = new float[probes.Count * probes.Size];

        probes.Make(frame, rows);

        for (int p = 0; p < probes.Count; p++) Assert.Equal(original, rows.AsSpan(p * probes.Size, probes.Size).ToArray());
        if (kind == "spectrum")
        {
            rows.AsSpan().Clear();
            probes.MakeFromFeatures(original, rows);
            for (int p = 0; p < probes.Count; p++) Assert.Equal(original, rows.AsSpan(p * probes.Size, probes.Size).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_probe_kind_changes_the_features(string kind)
    {
        var frame = RealFrame(kind);
        var probes = new FaultProbes(frame.Format);
        var original = new float[probes.Size];
        new FeatureTransform(frame.Format).Extract(frame, original);
        var rows = new float[probes.Count * probes.Size];

        probes.Make(frame, rows);

        for (int p = 0; p < probes.Count; p++)
        {
            var row = rows.AsSpan(p * probes.Size, probes.Size);
            int changed = 0;
            for (int j = 0; j < probes.Size; j++)
                if (MathF.Abs(row[j] - original[j]) > 1e-3f) changed++;
            Assert.True(changed > 0, $"{probes.Names[p]} changed nothing");
            Assert.All(row.ToArray(), v => Assert.True(float.IsFinite(v)));
        }
    }

    [Fact]
    public void Spectrum_probes_from_stored_features_match_probes_from_the_frame()
    {
        var manifest = RecordingManifest.Load(SharedData.CoolingFan);
        var format = SensorFormat.Spectrum(512, 1.0, 2.047);
        var transform = new FeatureTransform(format);
        var probes = new FaultProbes(format);
        var frame = new SensorFrame(format);
        var features = new float[probes.Size];
        var fromFrame = new float[probes.Count * probes.Size];
        var fromFeatures = new float[probes.Count * probes.Size];
        int frames = 0;
        foreach (var recorded in RecordingFrames.Enumerate(manifest.Select("take=1")).Where(f => f.FrameIndex % 25 == 0))
        {
            recorded.Data.CopyTo(frame.ChannelBuffer(0));
            frame.Count = recorded.Length;
            transform.Extract(frame, features);

            probes.Make(frame, fromFrame);
            double rotation = probes.LastRotationHz, dominant = probes.LastDominantHz;
            probes.MakeFromFeatures(features, fromFeatures);

            Assert.Equal(rotation, probes.LastRotationHz);
            Assert.Equal(dominant, probes.LastDominantHz);
            for (int j = 0; j < fromFrame.Length; j++)
                Assert.True(MathF.Abs(fromFrame[j] - fromFeatures[j]) <= 1e-4f, $"{recorded.Entry.File} frame {recorded.FrameIndex}: value {j} {fromFrame[j]} vs {fromFeatures[j]}");
            frames++;
        }
        Assert.True(frames >= 100, $"only {frames} frames compared");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Make_allocates_nothing_per_call(string kind)
    {
        var frame = RealFrame(kind);
        var probes = new FaultProbes(frame.Format);
        var rows = new float[probes.Count * probes.Size];
        var features = new float[probes.Size];
        new FeatureTransform(frame.Format).Extract(frame, features);
        for (int i = 0; i < 3; i++)
        {
            probes.Make(frame, rows);
            if (probes.CanMakeFromFeatures) probes.MakeFromFeatures(features, rows);
        }

        // A per-call allocation shows in every round; a one-off by the runtime on this thread (tier-up, a pool
        // refilled after a gen-2 collection on a busy machine) shows in one round at most.
        long fewest = long.MaxValue;
        for (int round = 0; round < 3 && fewest > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++)
            {
                frame.Sequence = i;
                probes.Make(frame, rows);
                if (probes.CanMakeFromFeatures) probes.MakeFromFeatures(features, rows);
            }
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, fewest);
    }

    [Fact]
    public void Waveform_probes_refuse_to_be_made_from_features_and_frames_of_another_format_are_refused()
    {
        var waveform = new FaultProbes(SensorFormat.Waveform(1024, 12_000, ["de"], ["g"]));
        Assert.False(waveform.CanMakeFromFeatures);
        Assert.Throws<NotSupportedException>(() => waveform.MakeFromFeatures(new float[waveform.Size], new float[waveform.Count * waveform.Size]));
        var other = new SensorFrame(SensorFormat.Waveform(512, 12_000, ["de"], ["g"])) { Count = 512 };
        Assert.Throws<ArgumentException>(() => waveform.Make(other, new float[waveform.Count * waveform.Size]));
        var spectrum = new FaultProbes(SensorFormat.Spectrum(512, 1.0, 2.0));
        Assert.Throws<ArgumentException>(() => spectrum.MakeFromFeatures(new float[spectrum.Size], new float[spectrum.Size]));
        Assert.Equal(["harmonics", "sidebands", "broadband"], spectrum.Names);
        Assert.Equal(["imbalance", "outer-race", "inner-race"], waveform.Names);
    }

    // a real normal frame: the fan at full speed in the quiet room, or a CWRU normal window (with its recording, so rpm is known)
    internal static SensorFrame RealFrame(string kind)
    {
        if (kind == "spectrum")
        {
            var recorded = RecordingFrames.Enumerate(SharedData.CoolingFan, "env=silentA,state=normal,speed=h").Skip(10).First();
            var frame = new SensorFrame(SensorFormat.Spectrum(512, 1.0, 2.047)) { Count = 512 };
            recorded.Data.CopyTo(frame.ChannelBuffer(0));
            return frame;
        }
        var window = RecordingFrames.Enumerate(SharedData.Cwru, "state=normal").Skip(10).First();
        var waveform = new SensorFrame(SensorFormat.Waveform(1024, 12_000, ["de"], ["g"])) { Count = 1024, Recording = window.Entry, Sequence = 10 };
        window.Data.CopyTo(waveform.ChannelBuffer(0));
        return waveform;
    }
}
