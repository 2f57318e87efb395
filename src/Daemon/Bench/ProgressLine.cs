using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Bench;

/// <summary>
/// A one-line progress display on stderr for long phases: redrawn in place on a terminal, a line every
/// few seconds otherwise. Reports arrive synchronously on the training thread and cost a clock read.
/// </summary>
public sealed class ProgressLine(TextWriter writer, bool interactive)
{
    long _lastTicks;
    bool _open;

    public IProgress<TrainingProgress> For(string phase) => new Reporter(this, phase);

    public void Done()
    {
        if (_open && interactive) writer.WriteLine();
        _open = false;
    }

    void Report(string phase, TrainingProgress p)
    {
        long now = Environment.TickCount64;
        bool last = p.Epoch == p.Epochs && p.SamplesDone == p.SamplesPerEpoch;
        if (!last && now - _lastTicks < (interactive ? 200 : 5000)) return;
        _lastTicks = now;
        string line = $"{phase}: epoch {p.Epoch}/{p.Epochs} {p.Fraction,6:P0} loss {p.Loss:F4}";
        if (interactive) writer.Write($"\r{line}   ");
        else writer.WriteLine(line);
        _open = true;
    }

    sealed class Reporter(ProgressLine owner, string phase) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => owner.Report(phase, value);
    }
}
