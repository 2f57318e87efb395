using System.Device.Spi;
using SensorOdl.Drivers.Sensors.Buses;

namespace SensorOdl.Drivers.Sensors.Adxl345;

/// <summary>
/// ADXL345 4-wire SPI framing (datasheet, "SPI"): the first byte is R/W̄ (bit 7), MB multi-byte (bit 6) and the register
/// address; the data follow. Mode 3, up to 5 MHz. Owns and disposes the <see cref="SpiDevice"/>.
/// </summary>
public sealed class Adxl345SpiBus(SpiDevice device) : IRegisterBus
{
    private const byte ReadFlag = 0x80;
    private const byte MultiByteFlag = 0x40;

    public const SpiMode Mode = SpiMode.Mode3;
    public const int ClockFrequency = 5_000_000;

    public SpiDevice Device { get; } = device ?? throw new ArgumentNullException(nameof(device));

    public byte Read(byte register)
    {
        Span<byte> value = stackalloc byte[1];
        ReadBlock(register, value);
        return value[0];
    }

    public void Write(byte register, byte value)
    {
        Span<byte> command = [(byte)(register & 0x3F), value];
        Device.Write(command);
    }

    public void ReadBlock(byte register, Span<byte> destination)
    {
        if (destination.Length > 8) throw new ArgumentException("At most 8 bytes per SPI burst.", nameof(destination));
        Span<byte> transmit = stackalloc byte[destination.Length + 1];
        Span<byte> receive = stackalloc byte[destination.Length + 1];
        transmit.Clear();
        transmit[0] = (byte)(ReadFlag | (destination.Length > 1 ? MultiByteFlag : 0) | (register & 0x3F));
        Device.TransferFullDuplex(transmit, receive);
        receive[1..].CopyTo(destination);
    }

    public void Dispose() => Device.Dispose();
}
