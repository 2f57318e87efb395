using System.Security.Cryptography;
using SensorOdl.Drivers.Recordings;
using SensorOdl.Drivers.Replay;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Drivers.Tests.Fakes;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Recordings;

public class RecordingWriterTests
{
    [Fact]
    public void Record_simulated_machine_windows_then_replay_them_sample_for_sample()
    {
        using var folder = new TempFolder();
        using var sensor = new SimulatedMachineSensor(new SimulationSettings(WindowSize: 512, Speed: 0), new FakePacer());
        var frame = sensor.CreateFrame();
        var recorded = new List<float[]>();
        using (var writer = RecordingWriter.Create(folder.Path, "normal.f32", sensor.Format, RecordingFields.Parse("state=normal,load_hp=0,machine=pump7")))
        {
            for (int i = 0; i < 5; i++)
            {
                sensor.Read(frame);
                writer.Append(frame);
                recorded.Add(frame.Channel(0).ToArray());
            }
            var entry = writer.Complete();
            Assert.Equal(RecordingKind.Waveform, entry.Kind);
            Assert.Equal(12_000, entry.SampleRateHz);
            Assert.Equal(2560, entry.Number("samples"));
            Assert.Equal("g", entry.Text("units"));
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(entry.Path))), entry.Text("sha256"));
        }

        using var replay = new ReplaySensor(new ReplaySettings(folder.Path, "state=normal,load_hp=0", Speed: 0), 512, new FakePacer());
        var again = replay.CreateFrame();
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(SensorReadResult.Ok, replay.Read(again));
            Assert.Equal(recorded[i], again.Channel(0).ToArray());
        }
        Assert.Equal(SensorReadResult.EndOfData, replay.Read(again));
    }

    [Fact]
    public void Record_three_axis_adxl345_windows_interleaved_and_read_them_back_per_channel()
    {
        using var folder = new TempFolder();
        var chip = new FakeAdxl345 { AccelerationG = (0.1, 0.2, 1.0) };
        using var sensor = new PolledSensor(new Drivers.Sensors.Adxl345.Adxl345Accelerometer(new Drivers.Sensors.Buses.I2cRegisterBus(new RegisterChipI2cDevice(chip))), 3200, 64, new FakePacer());
        var frame = sensor.CreateFrame();
        using (var writer = RecordingWriter.Create(folder.Path, "axes.f32", sensor.Format))
        {
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
                writer.Append(frame);
            }
            writer.Complete();
        }

        var entry = RecordingManifest.Load(folder.Path).Recordings.Single();
        var waveform = Waveform.Load(entry);
        Assert.Equal(3, waveform.Channels);
        Assert.Equal(["x", "y", "z"], waveform.ChannelNames);
        Assert.Equal(192, waveform.Length);
        Assert.Equal(0.2, waveform.Channel(1)[100], 0.004);
        Assert.Equal(1.0, waveform.Channel(2)[191], 0.004);
    }

    [Fact]
    public void Record_spectrum_frames_keeps_the_spectrum_layout()
    {
        using var folder = new TempFolder();
        using var source = new ReplaySensor(new ReplaySettings(SharedData.CoolingFan, "env=noisy,speed=h,state=normal", Speed: 0), pacer: new FakePacer());
        var frame = source.CreateFrame();
        var frames = new List<float[]>();
        using (var writer = RecordingWriter.Create(folder.Path, "fan.f32", source.Format, new Dictionary<string, object?> { ["env"] = "noisy" }))
        {
            for (int i = 0; i < 4; i++)
            {
                source.Read(frame);
                writer.Append(frame);
                frames.Add(frame.Channel(0).ToArray());
            }
            writer.Complete();
        }

        var entry = RecordingManifest.Load(folder.Path).Select("env=noisy").Single();
        Assert.Equal(RecordingKind.Spectrum, entry.Kind);
        Assert.Equal(2.047, entry.FramePeriodS);
        Assert.Equal(frames, RecordingFrames.Enumerate([entry]).Select(f => f.Data).ToList());
    }

    [Fact]
    public void Record_appends_to_an_existing_manifest_and_refuses_a_duplicate_name()
    {
        using var folder = new TempFolder();
        var format = SensorFormat.Waveform(8, 100, ["a"], ["V"]);
        var frame = new SensorFrame(format) { Count = 8 };
        foreach (string name in new[] { "one.f32", "two.f32" })
        {
            using var writer = RecordingWriter.Create(folder.Path, name, format, RecordingFields.Parse($"take={name.Length}"));
            writer.Append(frame);
            writer.Complete();
        }

        var manifest = RecordingManifest.Load(folder.Path);
        Assert.Equal(["one.f32", "two.f32"], manifest.Recordings.Select(r => r.File));
        Assert.Equal(Path.GetFileName(folder.Path), manifest.Dataset);
        Assert.Throws<ArgumentException>(() => RecordingWriter.Create(folder.Path, "one.f32", format));
        Assert.Throws<ArgumentException>(() => RecordingWriter.Create(folder.Path, "three.f32", format, RecordingFields.Parse("kind=spectrum")));
        Assert.Throws<ArgumentException>(() => RecordingFields.Parse("state"));
    }

    [Fact]
    public void Record_abandoned_before_completion_leaves_nothing_behind()
    {
        using var folder = new TempFolder();
        var format = SensorFormat.Waveform(8, 100, ["a"], ["V"]);
        using (var writer = RecordingWriter.Create(folder.Path, "partial.f32", format))
        {
            writer.Append(new SensorFrame(format) { Count = 8 });
        }
        Assert.False(File.Exists(folder.File("partial.f32")));
        Assert.False(File.Exists(folder.File("manifest.json")));
    }

    [Fact]
    public void Record_fields_parse_numbers_booleans_and_null()
    {
        var fields = RecordingFields.Parse("load_hp=2,rpm=1750.5,primary=false,fault=null,state=normal");
        Assert.Equal(2L, fields["load_hp"]);
        Assert.Equal(1750.5, fields["rpm"]);
        Assert.Equal(false, fields["primary"]);
        Assert.Null(fields["fault"]);
        Assert.Equal("normal", fields["state"]);
    }
}
