using System.Device.I2c;

namespace SensorOdl.Drivers.Tests.Fakes;

/// <summary>
/// A fake <see cref="I2cDevice"/> speaking the common register protocol: a write's first byte sets the register pointer,
/// further bytes are written from there on; a read returns bytes from the pointer on (auto-increment).
/// </summary>
internal sealed class RegisterChipI2cDevice(IRegisterChip chip, int busId = 1, int address = 0x53) : I2cDevice
{
    private byte _pointer;

    public FaultInjector Faults { get; } = new();
    public bool Disposed { get; private set; }
    public override I2cConnectionSettings ConnectionSettings { get; } = new(busId, address);

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
        chip.ReadRegisters(_pointer, buffer);
        _pointer += (byte)buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Faults.Enter();
        if (buffer.IsEmpty || Faults.Fault == BusFault.Garbage) return;
        _pointer = buffer[0];
        foreach (byte b in buffer[1..]) chip.WriteRegister(_pointer++, b);
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}
