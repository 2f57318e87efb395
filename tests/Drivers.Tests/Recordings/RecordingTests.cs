using SensorOdl.Drivers.Recordings;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Recordings;

public class RecordingTests
{
    [Fact]
    public void Replay_manifest_reads_both_kinds_with_their_fields()
    {
        var fan = RecordingManifest.Load(SharedData.CoolingFan);
        var h = fan.Select("speed=h,env=silentA,state=normal").Single();
        Assert.Equal(RecordingKind.Spectrum, h.Kind);
        Assert.Equal(512, h.Bins);
        Assert.Equal(1.0, h.BinHz);
        Assert.Equal(2.047, h.FramePeriodS);

        var cwru = RecordingManifest.Load(Path.Combine(SharedData.Cwru, "manifest.json"));
        var normal = cwru.Select("label=normal").Single();
        Assert.Equal(RecordingKind.Waveform, normal.Kind);
        Assert.Equal(12_000, normal.SampleRateHz);
        Assert.True(normal.Primary);
        Assert.False(cwru.Recordings.Single(r => r.File.StartsWith("native48k")).Primary);
    }

    [Fact]
    public void Replay_batch_frames_of_a_spectrum_recording_come_in_order_with_their_times()
    {
        var entry = RecordingManifest.Load(SharedData.CoolingFan).Select("speed=h,env=silentA,state=normal").Single();
        var raw = SharedData.ReadF32(entry.Path);

        var frames = RecordingFrames.Enumerate([entry]).ToList();

        Assert.Equal(300, frames.Count);
        Assert.Equal(300, RecordingFrames.Count(entry));
        Assert.Equal(Enumerable.Range(0, 300), frames.Select(f => f.FrameIndex));
        Assert.Equal(10 * 2.047, frames[10].RecordingTimeS, 9);
        Assert.Equal(raw.AsSpan(7 * 512, 512).ToArray(), frames[7].Data);
        Assert.All(frames, f => Assert.Equal("h", f.Speed));
    }

    [Fact]
    public void Replay_batch_frames_of_an_hmlo_recording_tell_the_fan_speed_of_each_frame()
    {
        var entry = RecordingManifest.Load(SharedData.CoolingFan).Select("speed=hmlo,env=noisy,state=damage1,take=1").Single();
        Assert.Equal(4, entry.Segments.Count);

        var speeds = RecordingFrames.Enumerate([entry]).Select(f => f.Speed).ToList();

        Assert.Equal(235, speeds.Count);
        Assert.Equal("h", speeds[0]);
        Assert.Equal("h", speeds[60]);
        Assert.Equal("m", speeds[61]);
        Assert.Equal("l", speeds[120]);
        Assert.Equal("o", speeds[234]);
    }

    [Fact]
    public void Replay_batch_windows_of_a_waveform_recording_are_consecutive_slices()
    {
        var entry = RecordingManifest.Load(SharedData.Cwru).Select("label=normal").Single();
        var raw = SharedData.ReadF32(entry.Path);

        var windows = RecordingFrames.Enumerate([entry], windowSize: 1024).ToList();

        Assert.Equal(60985 / 1024, windows.Count);
        Assert.Equal(windows.Count, RecordingFrames.Count(entry, 1024));
        Assert.Equal(raw.AsSpan(3 * 1024, 1024).ToArray(), windows[3].Data);
        Assert.Equal(3 * 1024 / 12_000.0, windows[3].RecordingTimeS, 9);
        Assert.Equal((60985 - 1024) / 512 + 1, RecordingFrames.Enumerate([entry], 1024, hop: 512).Count());
    }

    [Fact]
    public void Replay_batch_frames_by_folder_and_filter_keep_manifest_order()
    {
        var frames = RecordingFrames.Enumerate(SharedData.CoolingFan, "env=silentA,state=normal,speed=l|h").ToList();
        Assert.Equal(600, frames.Count);
        Assert.Equal(["12cm_h_normal_silentA.f32", "12cm_l_normal_silentA.f32"], frames.Select(f => f.Entry.File).Distinct());
        Assert.Equal(299, frames[299].FrameIndex);
        Assert.Equal(0, frames[300].FrameIndex);
        Assert.Throws<UnknownFilterKeyException>(() => RecordingFrames.Enumerate(SharedData.CoolingFan, "load_hp=0"));
    }

    [Fact]
    public void Replay_reads_csv_waveforms_with_one_column_per_channel()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("manifest.json"),
            """{"dataset":"t","recordings":[{"file":"a.csv","kind":"waveform","sampleRateHz":100,"state":"normal"}]}""");
        File.WriteAllLines(folder.File("a.csv"), ["x,y", .. Enumerable.Range(0, 20).Select(i => $"{i}.5,{-i}")]);
        var entry = RecordingManifest.Load(folder.Path).Recordings.Single();

        var waveform = Waveform.Load(entry);

        Assert.Equal(2, waveform.Channels);
        Assert.Equal(["x", "y"], waveform.ChannelNames);
        Assert.Equal(3.5f, waveform.Channel(0)[3]);
        Assert.Equal(-19f, waveform.Channel(1)[19]);
        var frames = RecordingFrames.Enumerate([entry], windowSize: 8).ToList();
        Assert.Equal(2, frames.Count);
        Assert.Equal(2, frames[0].Channels);
        Assert.Equal(-8f, frames[1].Channel(1)[0]);
    }

    [Fact]
    public void Replay_refuses_a_csv_with_a_bad_cell_in_one_sentence()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("manifest.json"), """{"recordings":[{"file":"a.csv","sampleRateHz":100}]}""");
        File.WriteAllLines(folder.File("a.csv"), ["x", "1", "two", "3"]);
        var entry = RecordingManifest.Load(folder.Path).Recordings.Single();

        var e = Assert.Throws<RecordingFormatException>(() => Waveform.Load(entry));
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void Replay_refuses_a_manifest_without_recordings()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("manifest.json"), """{"dataset":"x"}""");
        Assert.Throws<RecordingFormatException>(() => RecordingManifest.Load(folder.Path));
        Assert.Throws<RecordingFormatException>(() => RecordingManifest.Load(folder.File("missing")));
    }
}
