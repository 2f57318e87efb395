using System.Globalization;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Cli;

/// <summary>`state export FILE` and `state import FILE`: moving a device's learned state to a replacement board.</summary>
public sealed class StateVerb(string sub) : IVerb
{
    public static IVerb[] All => [new StateVerb("export"), new StateVerb("import")];

    public string Name => $"state {sub}";
    public string Summary => sub == "export"
        ? "write the learned state (models, labels, ids) to one archive file; the daemon may run"
        : "restore a state archive into the state directory (daemon stopped)";
    public string Help => sub == "export"
        ? "usage: sensorodl state export FILE [--samples] [--Storage:StateDir=DIR]\n\n" +
          "Writes every model version record, the files of every kept version, the active pointer, the labelled\n" +
          "windows, the seen command ids and the high-water marks to the zip FILE (with a manifest of SHA-256\n" +
          "checksums). --samples adds the unlabelled windows of the sample store. Works while the daemon runs.\n"
        : "usage: sensorodl state import FILE [--force] [--Storage:StateDir=DIR]\n\n" +
          "Verifies FILE and restores it into the state directory, which no process may hold. A directory that\n" +
          "already has model versions or labels is refused unless --force (which replaces them). Event seqs and\n" +
          "model versions continue after the archive's and the directory's own; versions the directory already\n" +
          "used are shifted past them.\n";

    public Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        DaemonSettings settings = arguments.LoadSettings();
        bool samples = sub == "export" && arguments.Flag("samples");
        bool force = sub == "import" && arguments.Has("force");
        if (arguments.Positionals.Count != 1)
            throw new UsageException($"give one archive file, e.g. 'sensorodl state {sub} /var/backups/pump7.sodlstate'.");
        string file = arguments.Positionals[0];
        arguments.Positionals.Clear();
        arguments.RejectUnknown();
        return Task.FromResult(sub == "export" ? Export(settings, file, samples, stdout) : Import(settings, file, force, stdout));
    }

    static int Export(DaemonSettings settings, string file, bool samples, TextWriter stdout)
    {
        StateArchiveManifest manifest = StateArchiveExport.Export(settings.StateDirectory, file, settings.DeviceId, samples);
        string active = manifest.ActiveVersion is int v ? $"active v{v}" : "none active";
        string windows = manifest.Samples is int n ? $", {n} unlabelled windows" : "";
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Exported {manifest.Versions.Length} kept model versions ({active}), {manifest.LabelledWindows} labelled windows{windows}, {manifest.SeenCommandIds} seen command ids of device {manifest.DeviceId} to {file} ({new FileInfo(file).Length} bytes)."));
        return 0;
    }

    static int Import(DaemonSettings settings, string file, bool force, TextWriter stdout)
    {
        StateArchiveContent archive = StateArchiveReader.Read(file);
        StateArchiveImportResult result = StateArchiveImport.Import(archive, settings.StateDirectory, settings.Storage.KeepVersions, force);
        string active = result.ActiveVersion is int v ? $"active v{v}" : "none active";
        string shifted = result.VersionShift > 0 ? $" (renumbered +{result.VersionShift}: the directory had used those numbers)" : "";
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Imported {result.Versions} model versions{shifted} ({active}), {result.LabelledWindows} labelled windows, {result.Samples} unlabelled windows, {result.SeenCommandIds} seen command ids from {file} into {settings.StateDirectory}; event seqs continue from {result.EventSeqFrom}, model versions from {result.ModelVersionFrom}."));
        if (archive.Manifest.DeviceId != settings.DeviceId)
            stdout.WriteLine($"Note: the archive is of device '{archive.Manifest.DeviceId}', this configuration's device is '{settings.DeviceId}' (set Device:Id to keep the old topics).");
        return 0;
    }
}
