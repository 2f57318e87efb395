using System.Buffers.Binary;
using System.Device.I2c;
using Iot.Device.Ads1115;

namespace SensorOdl.Drivers.Sensors.Ads1115;

/// <summary>
/// ADS1115 16-bit ADC (I2C, 0x48–0x4B) for an analog vibration or current sensor: one single-ended input in volts,
/// through <c>Iot.Device.Ads1115.Ads1115</c> in continuous mode at up to 860 samples/s.
/// </summary>
/// <remarks>The chip has no ID register, so after the binding configures it the driver reads the config register back
/// and checks the multiplexer, gain and data-rate bits: an absent chip throws on the bus, one that answers garbage fails
/// that check.</remarks>
public sealed class Ads1115Adc : ISampleSource
{
    public const int DefaultI2cAddress = 0x48;

    /// <summary>Single-ended inputs AIN0 … AIN3.</summary>
    public const int InputCount = 4;
    private static readonly int[] RatesSps = [8, 16, 32, 64, 128, 250, 475, 860];

    private readonly I2cDevice _device;
    private readonly InputMultiplexer _input;
    private readonly MeasuringRange _range;
    private Iot.Device.Ads1115.Ads1115? _adc;

    /// <summary>The ±volt full scales the programmable gain amplifier offers.</summary>
    public static IReadOnlyList<double> RangesVolts { get; } = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256];

    /// <param name="device">The I2C device; owned.</param>
    /// <param name="input">Analog input 0–3 (single-ended against GND).</param>
    /// <param name="rangeVolts">Full scale: 6.144, 4.096, 2.048, 1.024, 0.512 or 0.256 V.</param>
    public Ads1115Adc(I2cDevice device, int input = 0, double rangeVolts = 4.096)
    {
        _device = device ?? throw new ArgumentNullException(nameof(device));
        if (input is < 0 or >= InputCount) throw new ArgumentException($"An ADS1115 input is 0 to 3, not {input}.");
        _input = InputMultiplexer.AIN0 + input;
        _range = rangeVolts switch
        {
            6.144 => MeasuringRange.FS6144,
            4.096 => MeasuringRange.FS4096,
            2.048 => MeasuringRange.FS2048,
            1.024 => MeasuringRange.FS1024,
            0.512 => MeasuringRange.FS0512,
            0.256 => MeasuringRange.FS0256,
            _ => throw new ArgumentException($"An ADS1115 range is 6.144, 4.096, 2.048, 1.024, 0.512 or 0.256 V, not {rangeVolts}."),
        };
        FullScale = rangeVolts;
        ChannelNames = [$"ain{input}"];
    }

    public string Kind => "ads1115";
    public IReadOnlyList<string> ChannelNames { get; }
    public IReadOnlyList<string> Units { get; } = ["V"];
    public double FullScale { get; }

    /// <summary>The lowest of 8, 16, 32, 64, 128, 250, 475, 860 SPS at or above the request.</summary>
    public double SupportedSampleRateHz(double requestedHz) => RatesSps[RateIndex(requestedHz)];

    public void Open(double sampleRateHz)
    {
        var rate = (DataRate)RateIndex(sampleRateHz);
        // the binding writes the config register (and waits for the first conversion) in its constructor
        _adc = new Iot.Device.Ads1115.Ads1115(_device, _input, _range, rate, DeviceMode.Continuous);
        Span<byte> pointer = [(byte)Register.Config];
        Span<byte> config = stackalloc byte[2];
        _device.WriteRead(pointer, config);
        int value = BinaryPrimitives.ReadUInt16BigEndian(config);
        int expected = ((int)_input << 12) | ((int)_range << 9) | ((int)rate << 5);
        const int mask = 0x7000 | 0x0E00 | 0x00E0 | 0x0100;
        if ((value & mask) != expected)
            throw new SensorException($"the config register reads 0x{value:X4}, which is not the ADS1115 configuration just written (0x{expected:X4}).");
    }

    public void ReadSample(Span<float> sample)
    {
        var adc = _adc ?? throw new InvalidOperationException("The ADS1115 has not been opened.");
        sample[0] = (float)adc.ReadVoltage().Volts;
    }

    public void Dispose()
    {
        if (_adc is not null) _adc.Dispose(); // disposes the I2C device too
        else _device.Dispose();
    }

    private static int RateIndex(double requestedHz)
    {
        for (int i = 0; i < RatesSps.Length; i++)
            if (RatesSps[i] >= requestedHz - 1e-9) return i;
        return RatesSps.Length - 1;
    }
}
