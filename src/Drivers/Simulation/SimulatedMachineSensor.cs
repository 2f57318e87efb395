using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Simulation;

/// <summary>
/// The simulated machine as a sensor: one channel in g, windows paced at real time × <see cref="SimulationSettings.Speed"/>
/// (0 = as fast as possible). Timestamps are the simulation's clock: the wall time at start plus simulated seconds.
/// </summary>
public sealed class SimulatedMachineSensor : ISensor
{
    private readonly SimulationSettings _settings;
    private readonly SamplePacer _pacer;
    private double? _startUnixS; // taken at the first read: a window's stamp is when it was measured, whatever start-up took
    private TimeSpan? _startedAt;
    private long _sequence;

    public SimulatedMachineSensor(SimulationSettings? settings = null, SamplePacer? pacer = null, MachineCondition? condition = null, MachineFaults? faults = null)
    {
        _settings = settings ?? new SimulationSettings();
        if (_settings.WindowSize < 8) throw new ArgumentException($"Sensor:WindowSize must be at least 8, not {_settings.WindowSize}.");
        if (_settings.Speed < 0) throw new ArgumentException($"The simulation speed must be 0 or positive, not {_settings.Speed}.");
        _pacer = pacer ?? new SamplePacer();
        Machine = new SimulatedMachine(_settings.SampleRateHz, _settings.Seed, condition ?? _settings.Condition, faults ?? _settings.Faults);
        Format = SensorFormat.Waveform(_settings.WindowSize, _settings.SampleRateHz, ["accel"], ["g"], _settings.FullScale);
        Health = SensorHealth.Ok(_pacer.Time.GetUtcNow());
    }

    public string Kind => "simulated";
    public SensorFormat Format { get; }
    public SensorHealth Health { get; }

    /// <summary>The machine: change its condition or inject faults while it runs.</summary>
    public SimulatedMachine Machine { get; }

    public SensorFrame CreateFrame() => new(Format);

    public SensorReadResult Read(SensorFrame frame, CancellationToken cancellationToken = default)
    {
        if (frame.Format.Channels != 1 || frame.Format.Length != Format.Length)
            throw new ArgumentException("The frame was not created for this sensor's format.", nameof(frame));
        double simulatedS = Machine.TimeS;
        Machine.Generate(frame.ChannelBuffer(0));
        frame.Count = Format.Length;
        _startUnixS ??= _pacer.Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        frame.TimestampS = _startUnixS.Value + simulatedS;
        frame.RecordingTimeS = simulatedS;
        frame.Sequence = _sequence++;
        frame.Flags = WindowFlags.None;
        frame.Recording = null;
        frame.FrameIndex = (int)Math.Min(int.MaxValue, frame.Sequence);
        if (_settings.Speed > 0)
        {
            // a window is ready when its last sample has been "measured"
            _startedAt ??= _pacer.Elapsed;
            _pacer.WaitUntil(_startedAt.Value + TimeSpan.FromSeconds(Machine.TimeS / _settings.Speed), cancellationToken);
        }
        return SensorReadResult.Ok;
    }

    public void Dispose()
    {
    }
}
