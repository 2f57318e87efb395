using System.Globalization;

namespace SensorOdl.Daemon.Cli;

/// <summary>
/// Options of one verb: `--name value`, `--name=value`, bare `--flag`, and configuration overrides
/// `--Section:Key=value` (any option whose name holds a colon).
/// </summary>
public sealed class ParsedArguments
{
    static readonly HashSet<string> Flags = ["help", "json", "verbose", "loop", "matrix", "all", "force"];
    readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    readonly HashSet<string> _read = [];

    public List<string> Positionals { get; } = [];
    public Dictionary<string, string> ConfigurationOverrides { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static ParsedArguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new ParsedArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                parsed.Positionals.Add(arg);
                continue;
            }
            string name = arg[2..];
            string? value = null;
            int equals = name.IndexOf('=');
            if (equals >= 0) (name, value) = (name[..equals], name[(equals + 1)..]);
            else if (!Flags.Contains(name) && i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) value = args[++i];
            if (name.Contains(':'))
            {
                parsed.ConfigurationOverrides[name] = value ?? throw new UsageException($"--{name} needs a value.");
                continue;
            }
            parsed._options[name] = value;
        }
        return parsed;
    }

    public bool Has(string name) { _read.Add(name); return _options.ContainsKey(name); }

    /// <summary>
    /// A bare flag of one verb whose name other verbs take with a value (`state export --samples` beside
    /// `bench finetune --samples N`): a word the parser took as its value was a positional argument.
    /// </summary>
    public bool Flag(string name)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out string? value)) return false;
        if (value is not null) Positionals.Add(value);
        return true;
    }

    public string? String(string name)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out string? value)) return null;
        return value ?? throw new UsageException($"--{name} needs a value.");
    }

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        string? text = String(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw new UsageException($"--{name} must be a whole number from {min} to {max}, not '{text}'.");
        return value;
    }

    public float Float(string name, float fallback, float min = float.MinValue)
    {
        string? text = String(name);
        if (text is null) return fallback;
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value) || value < min)
            throw new UsageException($"--{name} must be a number ≥ {min}, not '{text}'.");
        return value;
    }

    public IReadOnlyList<string> List(string name, IReadOnlyList<string> fallback) =>
        String(name)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? fallback;

    /// <summary>Refuses options the verb never asked about, so that a typo is not silently ignored.</summary>
    public void RejectUnknown()
    {
        string? unknown = _options.Keys.FirstOrDefault(k => !_read.Contains(k) && k != "verbose");
        if (unknown is not null) throw new UsageException($"Unknown option --{unknown}.");
        if (Positionals.Count > 0) throw new UsageException($"Unexpected argument '{Positionals[0]}'.");
    }
}
