using System.Text.RegularExpressions;
using SensorOdl.Drivers.Recordings;
using SensorOdl.Drivers.Simulation;
using SensorOdl.TestSupport;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// bench/simulated-dataset.sh: every drift × every fault of the simulated machine, recorded with `record`, must give the
/// selections `adapt-eval --matrix --by drift --normal fault=none --faults-by fault` makes. A tiny version is recorded
/// in process the way the script records.
/// </summary>
public sealed partial class SimulatedDatasetTests : IDisposable
{
    const int NormalWindows = 20, FaultWindows = 10, WindowSize = 1024;
    readonly string _folder = Path.Combine(Directory.CreateTempSubdirectory("sensorodl-simulated-").FullName, "dataset");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_folder)!, recursive: true);

    static readonly string[] Drifts = [.. Enum.GetValues<DriftKind>().Select(d => d.ToConfigValue())];
    static readonly string[] Faults = [.. Enum.GetValues<FaultKind>().Where(f => f != FaultKind.None).Select(f => f.ToConfigValue())];

    [Fact]
    public void The_script_records_every_drift_and_every_fault_at_full_speed()
    {
        string script = File.ReadAllText(Path.Combine(RepoPaths.Root, "bench", "simulated-dataset.sh"));

        Assert.Equal(Drifts, ListAfter(script, "drift"));
        Assert.Equal(Faults, ListAfter(script, "fault"));
        Assert.Contains("--Sensor:Speed=0", script);
        Assert.Contains("--Sensor:Seed=$seed", script);
    }

    [Fact]
    public async Task A_tiny_dataset_selects_what_the_matrix_needs()
    {
        int seed = 100;
        async Task Record(string drift, string fault, int take, int windows)
        {
            (int code, _, string err) = await CliRunner.Run("record", "--out", _folder, "--file", $"{drift}-{fault}-take{take}.f32",
                "--windows", $"{windows}", "--set", $"take={take}", $"--Sensor:Simulation:Drift={drift}", $"--Sensor:Simulation:Fault={fault}",
                $"--Sensor:Seed={++seed}", "--Sensor:Speed=0");
            Assert.True(code == 0, err);
        }
        foreach (string drift in Drifts)
        {
            await Record(drift, "none", 1, NormalWindows);
            await Record(drift, "none", 2, NormalWindows);
            foreach (string fault in Faults) await Record(drift, fault, 1, FaultWindows);
        }

        RecordingManifest manifest = RecordingManifest.Load(_folder);
        Assert.Equal(Drifts.Length * (2 + Faults.Length), manifest.Recordings.Count);
        Assert.Equal(Drifts, manifest.Recordings.Select(r => r.Text("drift")).Distinct());
        Assert.Equal(["none", .. Faults], manifest.Recordings.Select(r => r.Text("fault")).Distinct());
        int Windows(string filter) => manifest.Select(filter).Sum(r => (int)r.Number("samples")! / WindowSize);
        Assert.Equal(2 * NormalWindows, Windows("drift=none,fault=none"));                 // the source: the base trains here
        foreach (string drift in Drifts)
        {
            Assert.Equal(2 * NormalWindows, Windows($"drift={drift},fault=none"));         // a target
            Assert.Equal(NormalWindows, Windows($"drift={drift},fault=none,take=2"));      // a target beside its own source take
            foreach (string fault in Faults)
                Assert.Equal(FaultWindows, Windows($"drift={drift},fault={fault}"));      // one row per fault value
            // all faults together
            Assert.Equal(Faults.Length * FaultWindows, Windows($"drift={drift},fault={string.Join('|', Faults)}"));
        }
        Assert.Equal(manifest.Recordings.Count, manifest.Recordings.Select(r => r.Text("sha256")).Distinct().Count()); // a seed each
    }

    static string[] ListAfter(string script, string variable) =>
        ForLoop().Matches(script).Single(m => m.Groups[1].Value == variable).Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex(@"for (\w+) in ([a-z ]+); do")]
    private static partial Regex ForLoop();
}
