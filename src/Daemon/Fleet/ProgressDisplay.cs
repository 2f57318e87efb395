namespace SensorOdl.Daemon.Fleet;

/// <summary>Where a fleet command shows each device's progress and outcome.</summary>
public interface IProgressDisplay
{
    void Progress(string device, string text);
    void Outcome(DeviceOutcome outcome);
    void Finish();

    /// <summary>A live line on a terminal, one line per phase otherwise, nothing for --json.</summary>
    static IProgressDisplay For(TextWriter output, bool json) =>
        json ? new SilentProgress() : Terminal.IsInteractive(output) ? new LiveProgress(output, Terminal.UsesColour(output)) : new PhaseLines(output);
}

sealed class SilentProgress : IProgressDisplay
{
    public void Progress(string device, string text) { }
    public void Outcome(DeviceOutcome outcome) { }
    public void Finish() { }
}

/// <summary>Logs and pipes: `device: phrase` when the phase (collecting, training, validating) changes, and each outcome.</summary>
sealed class PhaseLines(TextWriter output) : IProgressDisplay
{
    readonly Dictionary<string, string> _phase = [];

    public void Progress(string device, string text)
    {
        string phase = text.Split(' ')[0];
        if (_phase.TryGetValue(device, out string? last) && last == phase) return;
        _phase[device] = phase;
        output.WriteLine($"{device}: {text}");
    }

    public void Outcome(DeviceOutcome outcome) => output.WriteLine($"{outcome.Device}: {outcome.Text}");
    public void Finish() { }
}

/// <summary>A terminal: one line redrawn in place with every running device's progress; outcomes scroll above it.</summary>
sealed class LiveProgress(TextWriter output, bool colour) : IProgressDisplay
{
    readonly SortedDictionary<string, string> _running = new(StringComparer.Ordinal);

    public void Progress(string device, string text)
    {
        _running[device] = text;
        Draw();
    }

    public void Outcome(DeviceOutcome outcome)
    {
        _running.Remove(outcome.Device);
        output.Write($"\r\u001b[K{Terminal.Colour(outcome.Succeeded ? Terminal.Green : Terminal.Red, $"{outcome.Device}: {outcome.Text}", colour)}\n");
        Draw();
    }

    public void Finish()
    {
        output.Write("\r\u001b[K");
        output.Flush();
    }

    void Draw()
    {
        string line = string.Join(" · ", _running.Select(kv => $"{kv.Key}: {kv.Value}"));
        int width = Terminal.Width;
        if (line.Length > width - 1) line = line[..Math.Max(0, width - 2)] + "…";
        output.Write($"\r\u001b[K{line}");
        output.Flush();
    }
}
