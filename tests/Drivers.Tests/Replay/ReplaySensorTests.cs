using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Recordings;
using SensorOdl.Drivers.Replay;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Replay;

public class ReplaySensorTests
{
    [Fact]
    public void Replay_of_a_waveform_yields_consecutive_windows_then_ends()
    {
        var pacer = new FakePacer();
        using var sensor = new ReplaySensor(new ReplaySettings(SharedData.Cwru, "load_hp=0,state=normal", Speed: 0), pacer: pacer);
        var frame = sensor.CreateFrame();
        var raw = SharedData.ReadF32(sensor.Recordings[0].Path);

        int count = 0;
        while (sensor.Read(frame) == SensorReadResult.Ok)
        {
            Assert.Equal(count, frame.FrameIndex);
            Assert.Equal(count * 1024 / 12_000.0, frame.RecordingTimeS, 9);
            Assert.Equal(frame.RecordingTimeS, frame.TimestampS, 9);
            if (count == 5) Assert.Equal(raw.AsSpan(5 * 1024, 1024).ToArray(), frame.Channel(0).ToArray());
            count++;
        }

        Assert.Equal(59, count);
        Assert.Equal(SensorReadResult.EndOfData, sensor.Read(frame));
        Assert.Equal(TimeSpan.Zero, pacer.TotalWaited); // speed 0: as fast as possible
        Assert.Equal(FrameKind.Waveform, sensor.Format.Kind);
        Assert.Equal(12_000, sensor.Format.SampleRateHz);
    }

    [Fact]
    public void Replay_that_loops_keeps_its_stream_clock_increasing()
    {
        using var sensor = new ReplaySensor(new ReplaySettings(SharedData.Cwru, "load_hp=0,state=normal", Speed: 0, Loop: true), pacer: new FakePacer());
        var frame = sensor.CreateFrame();
        double last = -1;
        for (int i = 0; i < 130; i++)
        {
            Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
            Assert.True(frame.TimestampS > last);
            last = frame.TimestampS;
            Assert.Equal(i, frame.Sequence);
        }
        Assert.Equal(129 - 2 * 59, frame.FrameIndex);
        Assert.Equal(129 * 1024 / 12_000.0, frame.TimestampS, 9);
    }

    [Fact]
    public void Replay_of_spectra_is_paced_at_frame_period_over_speed()
    {
        var pacer = new FakePacer();
        using var sensor = new ReplaySensor(new ReplaySettings(SharedData.CoolingFan, "env=silentA,state=normal,speed=h|m", Speed: 10), pacer: pacer);
        var frame = sensor.CreateFrame();

        for (int i = 0; i < 301; i++) Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));

        Assert.Equal(FrameKind.Spectrum, frame.Kind);
        Assert.Equal("12cm_m_normal_silentA.f32", frame.Recording!.File); // second recording, manifest order
        Assert.Equal(0, frame.FrameIndex);
        Assert.Equal(300 * 2.047, frame.TimestampS, 6);
        Assert.Equal(300 * 2.047 / 10, pacer.Elapsed.TotalSeconds, 3);
    }

    [Fact]
    public void Replay_of_spectra_enters_after_the_FFT_and_shows_the_ventilation_line_in_the_noisy_room()
    {
        using var sensor = new ReplaySensor(new ReplaySettings(SharedData.CoolingFan, "env=noisy,speed=o", Speed: 0), pacer: new FakePacer());
        var frame = sensor.CreateFrame();
        var extractor = new FeatureExtractor(new FeatureSettings(1024, BandCount: 8));
        var features = new float[extractor.FeatureCount];
        var dominant = new List<float>();
        while (sensor.Read(frame) == SensorReadResult.Ok)
        {
            var flags = frame.ExtractFeatures(extractor, features);
            Assert.True(flags.IsUsable());
            dominant.Add(features[extractor.Layout.DominantHz]);
        }
        Assert.Equal(300, dominant.Count);
        dominant.Sort();
        Assert.InRange(dominant[150], 40, 50); // README: the ventilation fan adds a strong line near 45 Hz
    }

    [Fact]
    public void Replay_reads_spectrum_frames_without_allocating()
    {
        using var sensor = new ReplaySensor(new ReplaySettings(SharedData.CoolingFan, "env=noisy,speed=o", Speed: 0, Loop: true), pacer: new FakePacer());
        var frame = sensor.CreateFrame();
        sensor.Read(frame);
        // A per-read allocation shows in every round; a one-off by the runtime on this thread (tier-up on a busy machine:
        // 2,904 bytes once in CI) in one round at most.
        long fewest = long.MaxValue;
        for (int round = 0; round < 3 && fewest > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++) sensor.Read(frame);
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, fewest);
    }

    [Fact]
    public void Replay_refuses_an_empty_selection_and_mixed_kinds_as_usage_errors()
    {
        Assert.Throws<ManifestFilterException>(() => new ReplaySensor(new ReplaySettings(SharedData.Cwru, "load_hp=7")));
        Assert.Throws<UnknownFilterKeyException>(() => new ReplaySensor(new ReplaySettings(SharedData.Cwru, "env=noisy")));

        using var folder = new TempFolder();
        File.WriteAllText(folder.File("manifest.json"), """
            {"recordings":[{"file":"a.f32","kind":"waveform","sampleRateHz":100},
                           {"file":"b.f32","kind":"spectrum","bins":4,"binHz":1,"framePeriodS":1}]}
            """);
        Assert.Throws<ManifestFilterException>(() => new ReplaySensor(new ReplaySettings(folder.Path)));
    }

    [Fact]
    public void Replay_reports_a_missing_file_as_a_fault_and_goes_on()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("manifest.json"), """
            {"recordings":[{"file":"gone.f32","kind":"waveform","sampleRateHz":100},
                           {"file":"b.f32","kind":"waveform","sampleRateHz":100}]}
            """);
        File.WriteAllBytes(folder.File("b.f32"), new byte[4 * 16]);
        using var sensor = new ReplaySensor(new ReplaySettings(folder.Path, Speed: 0), 8, new FakePacer());
        var frame = sensor.CreateFrame();

        Assert.Equal(SensorReadResult.Faulted, sensor.Read(frame));
        Assert.Contains("gone.f32", sensor.Health.Reason);
        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
        Assert.Equal("b.f32", frame.Recording!.File);
        Assert.True(sensor.Health.IsHealthy);
        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
        Assert.Equal(SensorReadResult.EndOfData, sensor.Read(frame));
    }
}
