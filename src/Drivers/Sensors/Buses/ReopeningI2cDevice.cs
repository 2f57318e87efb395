using System.Device.I2c;

namespace SensorOdl.Drivers.Sensors.Buses;

/// <summary>
/// An <see cref="I2cDevice"/> that opens the real device on first use and, after a transfer throws, closes it and opens it
/// afresh on the next transfer. A bus that is missing at start-up (<c>/dev/i2c-1</c> not there yet, a USB adapter
/// unplugged) therefore surfaces as a failing read the sensor reports and recovers from, not as a crash at start.
/// </summary>
public sealed class ReopeningI2cDevice(Func<I2cDevice> open, I2cConnectionSettings settings) : I2cDevice
{
    private readonly ReopeningDevice<I2cDevice> _device = new(open);

    public override I2cConnectionSettings ConnectionSettings { get; } = settings;

    public override byte ReadByte()
    {
        Span<byte> value = stackalloc byte[1];
        _device.Run(static (d, _, read) => read[0] = d.ReadByte(), default, value);
        return value[0];
    }

    public override void Read(Span<byte> buffer) => _device.Run(static (d, _, read) => d.Read(read), default, buffer);

    public override void WriteByte(byte value) => _device.Run(static (d, write, _) => d.WriteByte(write[0]), [value], default);

    public override void Write(ReadOnlySpan<byte> buffer) => _device.Run(static (d, write, _) => d.Write(write), buffer, default);

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) =>
        _device.Run(static (d, write, read) => d.WriteRead(write, read), writeBuffer, readBuffer);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _device.Close();
        base.Dispose(disposing);
    }
}
