using System.Buffers.Binary;
using System.Device.I2c;

namespace SensorOdl.Drivers.Tests.Fakes;

/// <summary>
/// ADS1115 per its datasheet: a pointer byte selects one of four 16-bit big-endian registers; config resets to 0x8583;
/// a conversion is always complete (OS reads 1); the conversion register holds the selected input (MUX 4–7 = AINx vs GND)
/// in counts of FSR/32768, saturating at 0x7FFF / 0x8000.
/// </summary>
internal sealed class FakeAds1115(int address = 0x48) : I2cDevice
{
    private static readonly double[] FullScale = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256];
    private readonly ushort[] _registers = [0, 0x8583, 0x8000, 0x7FFF];
    private byte _pointer;

    public FaultInjector Faults { get; } = new();
    public double[] InputVolts { get; } = new double[4];
    public ushort Config => _registers[1];
    public int ConfigWrites { get; private set; }
    public override I2cConnectionSettings ConnectionSettings { get; } = new(1, address);

    public override byte ReadByte()
    {
        Span<byte> b = stackalloc byte[1];
        Read(b);
        return b[0];
    }

    public override void Read(Span<byte> buffer)
    {
        Faults.Enter();
        if (Faults.Garble(buffer)) return;
        Span<byte> word = stackalloc byte[2];
        ushort value = _pointer switch
        {
            0 => (ushort)Convert(),
            1 => (ushort)(_registers[1] | 0x8000), // not converting
            _ => _registers[_pointer],
        };
        BinaryPrimitives.WriteUInt16BigEndian(word, value);
        for (int i = 0; i < buffer.Length; i++) buffer[i] = word[i % 2];
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Faults.Enter();
        if (buffer.IsEmpty || Faults.Fault == BusFault.Garbage) return;
        _pointer = (byte)(buffer[0] & 0x03);
        if (buffer.Length >= 3)
        {
            _registers[_pointer] = BinaryPrimitives.ReadUInt16BigEndian(buffer[1..]);
            if (_pointer == 1) ConfigWrites++;
        }
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    private short Convert()
    {
        int mux = (_registers[1] >> 12) & 0x07;
        double volts = mux >= 4 ? InputVolts[mux - 4] : 0;
        double fsr = FullScale[(_registers[1] >> 9) & 0x07];
        return (short)Math.Clamp(Math.Round(volts / fsr * 32768), short.MinValue, short.MaxValue);
    }
}
