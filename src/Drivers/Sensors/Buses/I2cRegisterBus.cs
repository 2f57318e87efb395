using System.Device.I2c;

namespace SensorOdl.Drivers.Sensors.Buses;

/// <summary>The common I2C register protocol: write the register address, then read (repeated start) or write its value.
/// Owns and disposes the <see cref="I2cDevice"/>.</summary>
public sealed class I2cRegisterBus(I2cDevice device) : IRegisterBus
{
    public I2cDevice Device { get; } = device ?? throw new ArgumentNullException(nameof(device));

    public byte Read(byte register)
    {
        Span<byte> value = stackalloc byte[1];
        ReadBlock(register, value);
        return value[0];
    }

    public void Write(byte register, byte value)
    {
        Span<byte> command = [register, value];
        Device.Write(command);
    }

    public void ReadBlock(byte register, Span<byte> destination)
    {
        Span<byte> address = [register];
        Device.WriteRead(address, destination);
    }

    public void Dispose() => Device.Dispose();
}
