using System.Device.Spi;

namespace SensorOdl.Drivers.Sensors.Buses;

/// <summary>The SPI twin of <see cref="ReopeningI2cDevice"/>: opens on first use, reopens after a transfer throws.</summary>
public sealed class ReopeningSpiDevice(Func<SpiDevice> open, SpiConnectionSettings settings) : SpiDevice
{
    private SpiDevice? _inner;

    public override SpiConnectionSettings ConnectionSettings { get; } = settings;

    public override byte ReadByte()
    {
        var device = Inner();
        try { return device.ReadByte(); }
        catch { Close(); throw; }
    }

    public override void Read(Span<byte> buffer)
    {
        var device = Inner();
        try { device.Read(buffer); }
        catch { Close(); throw; }
    }

    public override void WriteByte(byte value)
    {
        var device = Inner();
        try { device.WriteByte(value); }
        catch { Close(); throw; }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var device = Inner();
        try { device.Write(buffer); }
        catch { Close(); throw; }
    }

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        var device = Inner();
        try { device.TransferFullDuplex(writeBuffer, readBuffer); }
        catch { Close(); throw; }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Close();
        base.Dispose(disposing);
    }

    private SpiDevice Inner() => _inner ??= open();

    private void Close()
    {
        try { _inner?.Dispose(); }
        catch (IOException) { }
        _inner = null;
    }
}
