using System.Runtime.InteropServices;
using SensorOdl.Drivers.Recordings;

namespace SensorOdl.Daemon.Tests;

/// <summary>`record` from the simulated machine: Sensor:Simulation reaches the samples and the manifest (docs/CONTRACT.md §1, §2, §4).</summary>
public sealed class RecordSimulatedMachineTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("sensorodl-record-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    async Task<RecordingEntry> Record(params string[] options)
    {
        (int code, _, string err) = await CliRunner.Run(["record", "--out", _folder, "--windows", "5", "--Sensor:Speed=0", .. options]);
        Assert.True(code == 0, err);
        return RecordingManifest.Load(_folder).Recordings[^1];
    }

    static double Rms(RecordingEntry entry)
    {
        float[] samples = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(entry.Path)).ToArray();
        return Math.Sqrt(samples.Average(v => (double)v * v));
    }

    [Fact]
    public async Task The_drift_and_fault_are_written_and_reach_the_samples()
    {
        RecordingEntry normal = await Record();
        RecordingEntry remounted = await Record("--Sensor:Simulation:Drift=mounting", "--Sensor:Simulation:Fault=OUTER");

        Assert.Equal(("none", "none"), (normal.Text("drift"), normal.Text("fault")));
        Assert.Equal(("mounting", "outer"), (remounted.Text("drift"), remounted.Text("fault")));
        Assert.True(Rms(remounted) > 1.5 * Rms(normal), $"{Rms(remounted)} vs {Rms(normal)}");
        Assert.NotEqual(normal.File, remounted.File); // two default names within one second
    }

    [Fact]
    public async Task Set_overrides_the_written_fields_and_numeric_overrides_are_written_beside_them()
    {
        RecordingEntry entry = await Record("--file", "x.f32", "--set", "drift=custom,site=pump7",
            "--Sensor:Simulation:Drift=speed", "--Sensor:Simulation:ShaftHz=35");

        Assert.Equal("x.f32", entry.File);
        Assert.Equal("custom", entry.Text("drift"));
        Assert.Equal("none", entry.Text("fault"));
        Assert.Equal(35, entry.Number("shaftHz"));
        Assert.Equal("pump7", entry.Text("site"));
    }

    [Fact]
    public async Task Other_sensors_get_no_drift_or_fault()
    {
        RecordingEntry simulated = await Record("--file", "a.f32");
        string copy = Path.Combine(_folder, "replayed");
        (int code, _, string err) = await CliRunner.Run("record", "--out", copy, "--windows", "3", "--Sensor:Kind=replay",
            $"--Sensor:Replay:Data={_folder}", "--Sensor:Replay:Speed=0");

        Assert.True(code == 0, err);
        RecordingEntry replayed = RecordingManifest.Load(copy).Recordings.Single();
        Assert.Equal("none", simulated.Text("drift"));
        Assert.Null(replayed.Text("drift"));
        Assert.Null(replayed.Text("fault"));
    }

    [Theory]
    [InlineData("--Sensor:Simulation:Drift=x", "Sensor:Simulation:Drift: 'x' is not one of none, speed, load, mounting, noise.")]
    [InlineData("--Sensor:Simulation:Fault=1", "Sensor:Simulation:Fault: '1' is not one of none, imbalance, outer, inner.")]
    [InlineData("--Sensor:Simulation:Load=2", "Sensor:Simulation:Load: must be from 0 to 1, not 2.")]
    [InlineData("--Sensor:Simulation:NoiseG=loud", "Sensor:Simulation:NoiseG: 'loud' is not a valid value.")]
    public async Task Values_that_cannot_work_are_configuration_errors(string option, string message)
    {
        (int code, _, string err) = await CliRunner.Run("record", "--out", _folder, "--windows", "1", "--Sensor:Speed=0", option);

        Assert.Equal(2, code);
        Assert.Equal($"sensorodl: {message}", err.Trim());
    }

    [Fact]
    public async Task A_file_the_manifest_already_lists_is_a_usage_error()
    {
        await Record("--file", "same.f32");
        (int code, _, string err) = await CliRunner.Run("record", "--out", _folder, "--windows", "1", "--file", "same.f32", "--Sensor:Speed=0");

        Assert.Equal(2, code);
        Assert.Contains("--file: The manifest in", err);
    }
}
