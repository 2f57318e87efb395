namespace SensorOdl.Daemon.Cli;

/// <summary>
/// The `sensorodl` entry point: picks the verb, maps failures to exit codes (0 ok, 1 runtime failure,
/// 2 usage error) and prints one clear sentence on stderr (a stack trace only with --verbose).
/// </summary>
public static class CommandLine
{
    static IVerb[] Verbs =>
    [
        new RunVerb(Notifier), new DemoVerb(), new RecordVerb(), new TrainVerb(), new EvaluateVerb(), new AdaptEvalVerb(),
        new ModelsVerb("list"), new ModelsVerb("show"), new ModelsVerb("rollback"), new BenchFinetuneVerb(), new BenchGemmVerb(),
        .. StateVerb.All,
        .. FleetVerbs.All,
    ];

    /// <summary>Read before the host starts: Hosting 11 clears NOTIFY_SOCKET once it has read it.</summary>
    public static Host.Systemd.SystemdNotifier Notifier { get; set; } = Host.Systemd.SystemdNotifier.FromEnvironment();

    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        bool verbose = args.Contains("--verbose");
        try
        {
            (IVerb? verb, string[] rest) = Find(args);
            if (verb is null)
            {
                if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
                {
                    stdout.Write(Usage());
                    return 0;
                }
                throw new UsageException($"Unknown verb '{string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')))}'. Run 'sensorodl --help' for the list.");
            }
            ParsedArguments parsed = ParsedArguments.Parse(rest);
            if (parsed.Has("help"))
            {
                stdout.Write(verb.Help);
                return 0;
            }
            using var cancellation = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancellation.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try { return await verb.RunAsync(parsed, stdout, stderr, cancellation.Token); }
            finally { Console.CancelKeyPress -= onCancel; }
        }
        catch (Exception e) when (e is UsageException or Configuration.ConfigurationException or Training.TrainingDataException or Drivers.Recordings.ManifestFilterException)
        {
            stderr.WriteLine($"sensorodl: {e.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("sensorodl: cancelled.");
            return 1;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"sensorodl: {e.Message}");
            if (verbose) stderr.WriteLine(e);
            return 1;
        }
    }

    static (IVerb?, string[]) Find(string[] args)
    {
        foreach (IVerb verb in Verbs)
        {
            string[] words = verb.Name.Split(' ');
            if (args.Length >= words.Length && words.SequenceEqual(args[..words.Length]))
                return (verb, args[words.Length..]);
        }
        return (null, args);
    }

    static string Usage() =>
        "usage: sensorodl <verb> [options]   (every verb takes --help)\n\n" +
        string.Concat(Verbs.Select(v => $"  {v.Name.PadRight(Math.Max(16, Verbs.Max(w => w.Name.Length)))}  {v.Summary}\n")) +
        "\nConfiguration: --Section:Key=value on any verb (see docs/CONTRACT.md §2). --verbose prints stack traces.\n";
}

/// <summary>One verb of the command line.</summary>
public interface IVerb
{
    /// <summary>The words that select it, e.g. "bench finetune".</summary>
    string Name { get; }
    string Summary { get; }
    string Help { get; }
    Task<int> RunAsync(ParsedArguments arguments, TextWriter stdout, TextWriter stderr, CancellationToken cancellation);
}

/// <summary>A mistake in how the command was called: exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
