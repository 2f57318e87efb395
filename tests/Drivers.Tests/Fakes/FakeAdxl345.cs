using System.Buffers.Binary;
using System.Device.Spi;

namespace SensorOdl.Drivers.Tests.Fakes;

/// <summary>
/// ADXL345 per its datasheet: DEVID 0xE5, BW_RATE resets to 0x0A, no data unless POWER_CTL.Measure, a 32-entry FIFO
/// (stream mode drops the oldest), FIFO_STATUS = entries, and a 6-byte read from DATAX0 pops one entry. Counts are
/// 3.9 mg/LSB in full resolution, 10-bit (so ±2 g) otherwise.
/// </summary>
internal sealed class FakeAdxl345 : RegisterFile
{
    private readonly Queue<(short X, short Y, short Z)> _fifo = new();
    private (short X, short Y, short Z) _latest;

    public FakeAdxl345()
    {
        Registers[0x00] = 0xE5;
        Registers[0x2C] = 0x0A;
    }

    /// <summary>Acceleration the chip measures; each FIFO_STATUS read adds <see cref="SamplesPerPoll"/> samples of it (time passing).</summary>
    public (double X, double Y, double Z) AccelerationG { get; set; } = (0, 0, 1);
    public int SamplesPerPoll { get; set; } = 16;
    public bool Measuring => (Registers[0x2D] & 0x08) != 0;
    public int FifoEntries => _fifo.Count;

    public void Measure(int samples)
    {
        if (!Measuring) return;
        bool fullResolution = (Registers[0x31] & 0x08) != 0;
        int range = 2 << (Registers[0x31] & 0x03);
        double lsbPerG = fullResolution ? 1 / 0.0039 : 512.0 / range;
        double limit = fullResolution ? range * lsbPerG : 511;
        short Count(double g) => (short)Math.Clamp(Math.Round(g * lsbPerG), -limit, limit - 1);
        for (int i = 0; i < samples; i++)
        {
            _latest = (Count(AccelerationG.X), Count(AccelerationG.Y), Count(AccelerationG.Z));
            if ((Registers[0x38] & 0xC0) == 0) continue; // bypass: only the data registers
            if (_fifo.Count == 32) _fifo.Dequeue();
            _fifo.Enqueue(_latest);
        }
    }

    public override void ReadRegisters(byte start, Span<byte> destination)
    {
        if (start == 0x39)
        {
            Measure(SamplesPerPoll);
            destination[0] = (byte)Math.Min(_fifo.Count, 32);
            for (int i = 1; i < destination.Length; i++) destination[i] = 0;
            return;
        }
        if (start == 0x32 && destination.Length == 6)
        {
            var sample = _fifo.Count > 0 ? _fifo.Dequeue() : _latest;
            if (!Measuring) sample = default;
            BinaryPrimitives.WriteInt16LittleEndian(destination, sample.X);
            BinaryPrimitives.WriteInt16LittleEndian(destination[2..], sample.Y);
            BinaryPrimitives.WriteInt16LittleEndian(destination[4..], sample.Z);
            return;
        }
        base.ReadRegisters(start, destination);
    }

    public override void WriteRegister(byte register, byte value)
    {
        if (register == 0x00) return; // DEVID is read-only
        if (register == 0x38 && (value & 0xC0) == 0) _fifo.Clear();
        base.WriteRegister(register, value);
    }
}

/// <summary>The ADXL345's SPI framing over a <see cref="FakeAdxl345"/>: byte 0 = R/W̄ | MB | address.</summary>
internal sealed class FakeAdxl345SpiDevice(FakeAdxl345 chip) : SpiDevice
{
    public FaultInjector Faults { get; } = new();
    public override SpiConnectionSettings ConnectionSettings { get; } = new(0, 0) { Mode = SpiMode.Mode3 };

    public override byte ReadByte() => throw new NotSupportedException("The ADXL345 needs an address byte first.");

    public override void Read(Span<byte> buffer) => throw new NotSupportedException("The ADXL345 needs an address byte first.");

    public override void WriteByte(byte value) => Write([value]);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Faults.Enter();
        if (buffer.Length < 2 || (buffer[0] & 0x80) != 0 || Faults.Fault == BusFault.Garbage) return;
        bool multiple = (buffer[0] & 0x40) != 0;
        byte register = (byte)(buffer[0] & 0x3F);
        for (int i = 1; i < buffer.Length; i++) chip.WriteRegister(multiple ? (byte)(register + i - 1) : register, buffer[i]);
    }

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Faults.Enter();
        readBuffer[0] = 0xFF;
        if (Faults.Garble(readBuffer)) return;
        if ((writeBuffer[0] & 0x80) == 0)
        {
            Write(writeBuffer);
            return;
        }
        bool multiple = (writeBuffer[0] & 0x40) != 0;
        byte register = (byte)(writeBuffer[0] & 0x3F);
        if (multiple) chip.ReadRegisters(register, readBuffer[1..]);
        else for (int i = 1; i < readBuffer.Length; i++) chip.ReadRegisters(register, readBuffer.Slice(i, 1));
    }
}
