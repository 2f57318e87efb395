using System.Buffers.Binary;
using SensorOdl.Drivers.Sensors.Buses;

namespace SensorOdl.Drivers.Sensors.Mpu6050;

/// <summary>
/// MPU-6050 accelerometer (I2C, 0x68/0x69), three axes in g, at up to 1 kHz through its 1,024-byte FIFO
/// (170 accelerometer samples), drained in bursts; <see cref="ReadSample"/> reads the data registers directly.
/// </summary>
/// <remarks>
/// Why registers rather than <c>Iot.Device.Imu.Mpu6050</c>: in 4.2.0 <c>GetAccelerometer()</c> returns m/s² although its
/// documentation says g, and its <c>AccelerationScale</c> divides by (1 + SampleRateDivider) — with divider 7 a 1 g
/// reading came back as 1/8 (docs/PLATFORM-NOTES.md §3). Setting the sample rate, which vibration needs, therefore corrupts the
/// binding's values. This driver writes DLPF, divider and range itself and scales raw counts by the datasheet's LSB/g.
/// </remarks>
public sealed class Mpu6050Accelerometer : IFifoSampleSource
{
    public const int DefaultI2cAddress = 0x68;
    private const byte WhoAmIValue = 0x68;
    private const double AccelOutputRateHz = 1000; // accelerometer output rate with the DLPF on (datasheet 6.2)
    private const int FifoBytes = 1024;
    private const int BytesPerSample = 6;
    private const byte FifoOn = 0x40, FifoReset = 0x04, AccelIntoFifo = 0x08;

    private readonly IRegisterBus _bus;
    private readonly byte _rangeCode;

    /// <summary>The ±g ranges the chip offers.</summary>
    public static IReadOnlyList<int> RangesG { get; } = [2, 4, 8, 16];
    private readonly double _gPerLsb;
    private readonly byte[] _fifo = new byte[FifoBytes / BytesPerSample * BytesPerSample];

    /// <param name="bus">An <see cref="I2cRegisterBus"/>; owned.</param>
    /// <param name="rangeG">±2, 4, 8 or 16 g (16,384 / 8,192 / 4,096 / 2,048 LSB per g).</param>
    public Mpu6050Accelerometer(IRegisterBus bus, int rangeG = 16)
    {
        _bus = bus ?? throw new ArgumentNullException(nameof(bus));
        _rangeCode = rangeG switch
        {
            2 => 0,
            4 => 1,
            8 => 2,
            16 => 3,
            _ => throw new ArgumentException($"An MPU-6050 range is 2, 4, 8 or 16 g, not {rangeG}."),
        };
        _gPerLsb = rangeG / 32768.0;
        FullScale = rangeG;
    }

    public string Kind => "mpu6050";
    public IReadOnlyList<string> ChannelNames { get; } = ["x", "y", "z"];
    public IReadOnlyList<string> Units { get; } = ["g", "g", "g"];
    public double FullScale { get; }
    public int FifoCapacity => FifoBytes / BytesPerSample;

    /// <summary>1 kHz / (1 + divider): the nearest such rate at or above the request, at most 1 kHz.</summary>
    public double SupportedSampleRateHz(double requestedHz) => AccelOutputRateHz / (1 + Divider(requestedHz));

    public void Open(double sampleRateHz)
    {
        byte id = _bus.Read((byte)Register.WhoAmI);
        if ((id & 0x7E) != WhoAmIValue)
            throw new SensorException($"the device reports WHO_AM_I 0x{id:X2} where an MPU-6050 reports 0x{WhoAmIValue:X2}.");
        WriteChecked(Register.PowerManagement1, 0x01); // wake, PLL on the X gyro
        WriteChecked(Register.Config, 0x01);           // DLPF 184 Hz: 1 kHz output rate
        WriteChecked(Register.SampleRateDivider, (byte)Divider(sampleRateHz));
        WriteChecked(Register.AccelConfig, (byte)(_rangeCode << 3));
        WriteChecked(Register.FifoEnable, AccelIntoFifo);
        _bus.Write((byte)Register.UserControl, FifoReset);
        WriteChecked(Register.UserControl, FifoOn);
    }

    public int ReadFifo(Span<float> interleaved, int maxSamples, out int waiting)
    {
        Span<byte> countBytes = stackalloc byte[2];
        _bus.ReadBlock((byte)Register.FifoCountH, countBytes);
        int count = BinaryPrimitives.ReadUInt16BigEndian(countBytes);
        if (count > FifoBytes)
            throw new SensorException($"FIFO_COUNT reads {count}; an MPU-6050 FIFO holds at most {FifoBytes} bytes.");
        waiting = count / BytesPerSample;
        if (count > FifoBytes - BytesPerSample)
        {
            // full: the oldest bytes were overwritten and the 6-byte framing may be lost; start afresh
            _bus.Write((byte)Register.UserControl, FifoOn | FifoReset);
            waiting = FifoCapacity;
            return 0;
        }
        int samples = Math.Min(Math.Min(waiting, maxSamples), interleaved.Length / 3);
        var raw = _fifo.AsSpan(0, samples * BytesPerSample);
        if (samples > 0) _bus.ReadBlock((byte)Register.FifoReadWrite, raw);
        for (int s = 0; s < samples; s++)
            for (int axis = 0; axis < 3; axis++)
                interleaved[s * 3 + axis] = (float)(BinaryPrimitives.ReadInt16BigEndian(raw.Slice(s * BytesPerSample + 2 * axis, 2)) * _gPerLsb);
        return samples;
    }

    public void ReadSample(Span<float> sample)
    {
        Span<byte> raw = stackalloc byte[6];
        _bus.ReadBlock((byte)Register.AccelXoutH, raw);
        for (int axis = 0; axis < 3; axis++)
            sample[axis] = (float)(BinaryPrimitives.ReadInt16BigEndian(raw.Slice(2 * axis, 2)) * _gPerLsb);
    }

    public void Dispose() => _bus.Dispose();

    private static int Divider(double requestedHz) =>
        requestedHz >= AccelOutputRateHz ? 0 : Math.Clamp((int)Math.Floor(AccelOutputRateHz / requestedHz + 1e-9) - 1, 0, 255);

    private void WriteChecked(Register register, byte value)
    {
        _bus.Write((byte)register, value);
        byte back = _bus.Read((byte)register);
        if (back != value)
            throw new SensorException($"register 0x{(byte)register:X2} reads back 0x{back:X2} after writing 0x{value:X2}.");
    }
}
