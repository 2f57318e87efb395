namespace SensorOdl.Drivers.Sensors.Buses;

/// <summary>Byte-wide registers of a chip, whatever the bus (I2C or SPI framing differs per chip).</summary>
public interface IRegisterBus : IDisposable
{
    byte Read(byte register);

    void Write(byte register, byte value);

    // destination: [n] bytes from register, register+1, … (auto-increment)
    void ReadBlock(byte register, Span<byte> destination);
}
