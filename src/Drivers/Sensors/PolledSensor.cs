using SensorOdl.Drivers.Features;

namespace SensorOdl.Drivers.Sensors;

/// <summary>
/// Turns an <see cref="ISampleSource"/> into an <see cref="ISensor"/>: samples at the configured rate into fixed-size
/// windows (draining the FIFO of chips that have one), reports a fault with its reason instead of throwing, and reopens the
/// device with exponential back-off until it answers again. While it waits, a read returns within
/// <see cref="BackoffPolicy.WaitSlice"/>, so the caller's loop never blocks for a whole back-off. All waits are on the pacer's
/// <see cref="TimeProvider"/>. No allocation per sample or per window.
/// </summary>
public sealed class PolledSensor : ISensor
{
    private readonly ISampleSource _source;
    private readonly SamplePacer _pacer;
    private readonly BackoffPolicy _backoff;
    private readonly double _sampleRateHz;
    private readonly float[] _sample;
    private readonly float[] _burst;
    private bool _open;
    private TimeSpan _retryAt;
    private TimeSpan _currentBackoff;
    private long _sequence;

    public PolledSensor(ISampleSource source, double sampleRateHz, int windowSize, SamplePacer? pacer = null, BackoffPolicy? backoff = null)
    {
        if (!(sampleRateHz > 0)) throw new ArgumentException($"Sensor:SampleRateHz must be positive, not {sampleRateHz}.");
        if (windowSize < 8) throw new ArgumentException($"Sensor:WindowSize must be at least 8, not {windowSize}.");
        _source = source;
        _pacer = pacer ?? new SamplePacer();
        _backoff = backoff ?? BackoffPolicy.Default;
        _sampleRateHz = source.SupportedSampleRateHz(sampleRateHz);
        _sample = new float[source.ChannelNames.Count];
        _burst = source is IFifoSampleSource fifo ? new float[fifo.FifoCapacity * _sample.Length] : [];
        Format = SensorFormat.Waveform(windowSize, _sampleRateHz, [.. source.ChannelNames], [.. source.Units], source.FullScale);
        Health = SensorHealth.Faulted("The sensor has not been opened yet.", _pacer.Time.GetUtcNow());
    }

    public string Kind => _source.Kind;
    public SensorFormat Format { get; }
    public SensorHealth Health { get; private set; }
    public ISampleSource Source => _source;

    /// <summary>Reconnection attempts since the last success.</summary>
    public int FailedAttempts { get; private set; }

    public SensorFrame CreateFrame() => new(Format);

    public SensorReadResult Read(SensorFrame frame, CancellationToken cancellationToken = default)
    {
        if (frame.Format.Channels != Format.Channels || frame.Format.Length != Format.Length)
            throw new ArgumentException("The frame was not created for this sensor's format.", nameof(frame));
        if (!_open && !TryOpen(cancellationToken)) return SensorReadResult.Faulted;

        frame.Flags = WindowFlags.None;
        frame.Count = 0;
        frame.TimestampS = _pacer.Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        frame.RecordingTimeS = frame.TimestampS;
        frame.Recording = null;
        frame.Sequence = _sequence;
        try
        {
            if (_source is IFifoSampleSource fifo) FillFromFifo(fifo, frame, cancellationToken);
            else FillPolled(frame, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception e)
        {
            frame.Flags |= WindowFlags.SensorFault;
            Fault($"The {Kind} stopped answering: {e.Message}");
            return SensorReadResult.Faulted;
        }
        if (frame.Count < Format.Length) frame.Flags |= WindowFlags.ShortWindow;
        _sequence++;
        return SensorReadResult.Ok;
    }

    public void Dispose() => _source.Dispose();

    private void FillPolled(SensorFrame frame, CancellationToken cancellationToken)
    {
        TimeSpan start = _pacer.Elapsed;
        double period = 1.0 / Format.SampleRateHz;
        for (int i = 0; i < Format.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _pacer.WaitUntil(start + TimeSpan.FromSeconds(i * period), cancellationToken);
            _source.ReadSample(_sample);
            for (int c = 0; c < _sample.Length; c++) frame.ChannelBuffer(c)[i] = _sample[c];
            frame.Count = i + 1;
        }
    }

    private void FillFromFifo(IFifoSampleSource fifo, SensorFrame frame, CancellationToken cancellationToken)
    {
        int channels = _sample.Length;
        // poll when the FIFO is about half full: early enough never to overflow it
        var poll = TimeSpan.FromSeconds(Math.Max(1, fifo.FifoCapacity / 2) / Format.SampleRateHz);
        int emptyPolls = 0;
        bool timestamped = false;
        while (frame.Count < Format.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool windowStarted = frame.Count > 0;
            int got = fifo.ReadFifo(_burst, Math.Min(fifo.FifoCapacity, Format.Length - frame.Count), out int waiting);
            bool overflowed = waiting >= fifo.FifoCapacity;
            // a full FIFO before the window's first sample only lost stale samples; inside the window it broke it
            if (overflowed && windowStarted) frame.Flags |= WindowFlags.Overrun;
            if (!timestamped && got > 0)
            {
                // the oldest sample in the FIFO was measured `waiting` periods ago
                frame.TimestampS -= waiting / Format.SampleRateHz;
                frame.RecordingTimeS = frame.TimestampS;
                timestamped = true;
            }
            for (int s = 0; s < got; s++)
                for (int c = 0; c < channels; c++) frame.ChannelBuffer(c)[frame.Count + s] = _burst[s * channels + c];
            frame.Count += got;
            emptyPolls = got == 0 && !overflowed ? emptyPolls + 1 : 0;
            if (emptyPolls > 50) throw new SensorException("its FIFO stayed empty for 50 polls.");
            if (frame.Count < Format.Length) _pacer.Wait(poll, cancellationToken);
        }
    }

    private bool TryOpen(CancellationToken cancellationToken)
    {
        TimeSpan sliceEnd = _pacer.Elapsed + _backoff.WaitSlice;
        if (_retryAt > sliceEnd)
        {
            _pacer.WaitUntil(sliceEnd, cancellationToken);
            return false; // still backing off: no attempt, the health and its reason stay as they are
        }
        _pacer.WaitUntil(_retryAt, cancellationToken);
        try
        {
            _source.Open(_sampleRateHz);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception e)
        {
            Fault($"The {Kind} could not be opened: {e.Message}");
            return false;
        }
        _open = true;
        FailedAttempts = 0;
        _currentBackoff = TimeSpan.Zero;
        Health = SensorHealth.Ok(_pacer.Time.GetUtcNow());
        return true;
    }

    private void Fault(string reason)
    {
        _open = false;
        FailedAttempts++;
        _currentBackoff = _backoff.Next(_currentBackoff);
        _retryAt = _pacer.Elapsed + _currentBackoff;
        if (Health.IsHealthy || Health.Reason != reason) Health = SensorHealth.Faulted(reason, _pacer.Time.GetUtcNow());
    }
}
