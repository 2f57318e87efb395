using System.Device.Spi;

namespace SensorOdl.Drivers.Sensors.Mcp3008;

/// <summary>
/// MCP3008 10-bit, 8-input SPI ADC through <c>Iot.Device.Adc.Mcp3008</c>: one or more single-ended inputs in volts
/// (raw × Vref / 1024). One SPI exchange per input per sample, so the rate is limited by the bus (about 10 kSPS at 1.35 MHz).
/// </summary>
/// <remarks>There is no ID to check. The binding throws when the response's null bit is 1 (a floating or pulled-up MISO,
/// i.e. no chip); a chip that is absent with MISO pulled low reads 0 V on every input, which the features flag as flat.</remarks>
public sealed class Mcp3008Adc : ISampleSource
{
    public const int ClockFrequency = 1_350_000; // datasheet maximum at 2.7 V
    public const SpiMode Mode = SpiMode.Mode0;

    /// <summary>Single-ended inputs CH0 … CH7.</summary>
    public const int InputCount = 8;

    private readonly SpiDevice _device;
    private readonly int[] _inputs;
    private readonly double _voltsPerCount;
    private Iot.Device.Adc.Mcp3008? _adc;

    /// <param name="device">The SPI device; owned.</param>
    /// <param name="inputs">Inputs 0–7 to sample, one channel each.</param>
    /// <param name="referenceVolts">The voltage on VREF (full scale).</param>
    public Mcp3008Adc(SpiDevice device, int[]? inputs = null, double referenceVolts = 3.3)
    {
        _device = device ?? throw new ArgumentNullException(nameof(device));
        _inputs = inputs is { Length: > 0 } ? inputs : [0];
        foreach (int input in _inputs)
            if (input is < 0 or >= InputCount) throw new ArgumentException($"An MCP3008 input is 0 to 7, not {input}.");
        if (!(referenceVolts > 0)) throw new ArgumentException($"The MCP3008 reference must be positive, not {referenceVolts} V.");
        _voltsPerCount = referenceVolts / 1024;
        FullScale = referenceVolts;
        ChannelNames = _inputs.Select(i => $"ch{i}").ToArray();
        Units = _inputs.Select(_ => "V").ToArray();
    }

    public string Kind => "mcp3008";
    public IReadOnlyList<string> ChannelNames { get; }
    public IReadOnlyList<string> Units { get; }
    public double FullScale { get; }

    public void Open(double sampleRateHz)
    {
        _adc ??= new Iot.Device.Adc.Mcp3008(_device);
        Span<float> probe = stackalloc float[_inputs.Length];
        ReadSample(probe); // a missing chip with a floating MISO fails here, not in the first window
    }

    public void ReadSample(Span<float> sample)
    {
        var adc = _adc ?? throw new InvalidOperationException("The MCP3008 has not been opened.");
        for (int c = 0; c < _inputs.Length; c++)
        {
            int raw;
            try
            {
                raw = adc.Read(_inputs[c]);
            }
            catch (InvalidOperationException e)
            {
                throw new SensorException("the MCP3008 response had its null bit set (no chip answering on MISO).", e);
            }
            sample[c] = (float)(raw * _voltsPerCount);
        }
    }

    public void Dispose()
    {
        if (_adc is not null) _adc.Dispose();
        else _device.Dispose();
    }
}
