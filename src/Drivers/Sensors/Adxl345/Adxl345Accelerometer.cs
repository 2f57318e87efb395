using System.Buffers.Binary;
using SensorOdl.Drivers.Sensors.Buses;

namespace SensorOdl.Drivers.Sensors.Adxl345;

/// <summary>
/// ADXL345 three-axis accelerometer on I2C or SPI, in g, through its 32-sample FIFO in stream mode.
/// </summary>
/// <remarks>
/// Why registers rather than <c>Iot.Device.Adxl345.Adxl345</c>: the binding (4.2.0) is SPI-only, never writes the
/// BW_RATE register (so the chip runs at its power-on 100 Hz, far too slow for vibration) and has no FIFO API, so reading
/// at kHz rates would need one bus transaction per sample on time. This driver sets the output data rate (up to
/// 3,200 Hz), full resolution and stream-mode FIFO, and drains the FIFO in bursts. Register map: <see cref="Register"/>.
/// </remarks>
public sealed class Adxl345Accelerometer : IFifoSampleSource
{
    private readonly IRegisterBus _bus;
    private readonly byte _rangeCode;

    /// <summary>The ±g ranges the chip offers.</summary>
    public static IReadOnlyList<int> RangesG { get; } = [2, 4, 8, 16];

    /// <param name="bus">An <see cref="I2cRegisterBus"/> (address 0x53, or 0x1D with ALT high) or an <see cref="Adxl345SpiBus"/>; owned.</param>
    /// <param name="rangeG">±2, 4, 8 or 16 g.</param>
    public Adxl345Accelerometer(IRegisterBus bus, int rangeG = 16)
    {
        _bus = bus ?? throw new ArgumentNullException(nameof(bus));
        _rangeCode = rangeG switch
        {
            2 => 0,
            4 => 1,
            8 => 2,
            16 => 3,
            _ => throw new ArgumentException($"An ADXL345 range is 2, 4, 8 or 16 g, not {rangeG}."),
        };
        FullScale = rangeG;
    }

    public const int DefaultI2cAddress = 0x53;

    public string Kind => "adxl345";
    public IReadOnlyList<string> ChannelNames { get; } = ["x", "y", "z"];
    public IReadOnlyList<string> Units { get; } = ["g", "g", "g"];
    public double FullScale { get; }
    public int FifoCapacity => Adxl345Constants.FifoDepth;

    /// <summary>The output data rate the chip will run at: the lowest of 3200 / 2^k Hz at or above the request.</summary>
    public double SupportedSampleRateHz(double requestedHz) => Math.Pow(2, RateCode(requestedHz) - 15) * Adxl345Constants.MaxRateHz;

    public void Open(double sampleRateHz)
    {
        byte id = _bus.Read((byte)Register.DeviceId);
        if (id != Adxl345Constants.DeviceId)
            throw new SensorException($"the device reports ID 0x{id:X2} where an ADXL345 reports 0x{Adxl345Constants.DeviceId:X2}.");
        _bus.Write((byte)Register.PowerControl, 0); // standby while configuring
        WriteChecked(Register.BandwidthRate, (byte)RateCode(sampleRateHz));
        WriteChecked(Register.DataFormat, (byte)(Adxl345Constants.FullResolution | _rangeCode));
        WriteChecked(Register.FifoControl, (byte)(Adxl345Constants.StreamMode | 16));
        WriteChecked(Register.PowerControl, Adxl345Constants.Measure);
    }

    public void ReadSample(Span<float> sample)
    {
        Span<byte> raw = stackalloc byte[6];
        _bus.ReadBlock((byte)Register.DataX0, raw);
        Convert(raw, sample);
    }

    public int ReadFifo(Span<float> interleaved, int maxSamples, out int waiting)
    {
        int entries = _bus.Read((byte)Register.FifoStatus) & 0x3F;
        waiting = entries;
        if (entries > Adxl345Constants.FifoDepth + 1)
            throw new SensorException($"the FIFO reports {entries} entries; an ADXL345 holds at most 33.");
        int count = Math.Min(Math.Min(entries, maxSamples), interleaved.Length / 3);
        Span<byte> raw = stackalloc byte[6];
        for (int s = 0; s < count; s++)
        {
            _bus.ReadBlock((byte)Register.DataX0, raw); // one 6-byte burst pops one entry
            Convert(raw, interleaved.Slice(s * 3, 3));
        }
        return count;
    }

    public void Dispose() => _bus.Dispose();

    private static void Convert(ReadOnlySpan<byte> raw, Span<float> xyz)
    {
        for (int axis = 0; axis < 3; axis++)
            xyz[axis] = (float)(BinaryPrimitives.ReadInt16LittleEndian(raw.Slice(2 * axis, 2)) * Adxl345Constants.GPerLsb);
    }

    private static int RateCode(double requestedHz)
    {
        for (int code = 6; code <= 15; code++)
            if (Math.Pow(2, code - 15) * Adxl345Constants.MaxRateHz >= requestedHz - 1e-9) return code;
        return 15;
    }

    private void WriteChecked(Register register, byte value)
    {
        _bus.Write((byte)register, value);
        byte back = _bus.Read((byte)register);
        if (back != value)
            throw new SensorException($"register 0x{(byte)register:X2} reads back 0x{back:X2} after writing 0x{value:X2}.");
    }
}
