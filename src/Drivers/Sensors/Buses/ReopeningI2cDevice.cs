using System.Device.I2c;

namespace SensorOdl.Drivers.Sensors.Buses;

/// <summary>
/// An <see cref="I2cDevice"/> that opens the real device on first use and, after a transfer throws, closes it and opens it
/// afresh on the next transfer. A bus that is missing at start-up (<c>/dev/i2c-1</c> not there yet, a USB adapter
/// unplugged) therefore surfaces as a failing read the sensor reports and recovers from, not as a crash at start.
/// </summary>
public sealed class ReopeningI2cDevice(Func<I2cDevice> open, I2cConnectionSettings settings) : I2cDevice
{
    private I2cDevice? _inner;

    public override I2cConnectionSettings ConnectionSettings { get; } = settings;

    public override byte ReadByte() => Use(d => d.ReadByte());

    public override void Read(Span<byte> buffer)
    {
        var device = Inner();
        try { device.Read(buffer); }
        catch { Close(); throw; }
    }

    public override void WriteByte(byte value) => Use(d => { d.WriteByte(value); return 0; });

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var device = Inner();
        try { device.Write(buffer); }
        catch { Close(); throw; }
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        var device = Inner();
        try { device.WriteRead(writeBuffer, readBuffer); }
        catch { Close(); throw; }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Close();
        base.Dispose(disposing);
    }

    private T Use<T>(Func<I2cDevice, T> action)
    {
        var device = Inner();
        try { return action(device); }
        catch { Close(); throw; }
    }

    private I2cDevice Inner() => _inner ??= open();

    private void Close()
    {
        try { _inner?.Dispose(); }
        catch (IOException) { }
        _inner = null;
    }
}
