using System.Device.Spi;

namespace SensorOdl.Drivers.Sensors.Buses;

/// <summary>The SPI twin of <see cref="ReopeningI2cDevice"/>: opens on first use, reopens after a transfer throws.</summary>
public sealed class ReopeningSpiDevice(Func<SpiDevice> open, SpiConnectionSettings settings) : SpiDevice
{
    private readonly ReopeningDevice<SpiDevice> _device = new(open);

    public override SpiConnectionSettings ConnectionSettings { get; } = settings;

    public override byte ReadByte()
    {
        Span<byte> value = stackalloc byte[1];
        _device.Run(static (d, _, read) => read[0] = d.ReadByte(), default, value);
        return value[0];
    }

    public override void Read(Span<byte> buffer) => _device.Run(static (d, _, read) => d.Read(read), default, buffer);

    public override void WriteByte(byte value) => _device.Run(static (d, write, _) => d.WriteByte(write[0]), [value], default);

    public override void Write(ReadOnlySpan<byte> buffer) => _device.Run(static (d, write, _) => d.Write(write), buffer, default);

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) =>
        _device.Run(static (d, write, read) => d.TransferFullDuplex(write, read), writeBuffer, readBuffer);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _device.Close();
        base.Dispose(disposing);
    }
}
