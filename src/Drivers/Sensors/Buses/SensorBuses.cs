using System.Device.I2c;
using System.Device.Spi;

namespace SensorOdl.Drivers.Sensors.Buses;

/// <summary>Opens bus devices; the default opens Linux <c>/dev/i2c-N</c> and <c>/dev/spidevB.C</c>, tests substitute fakes.</summary>
public interface ISensorBuses
{
    I2cDevice OpenI2c(int bus, int address);

    SpiDevice OpenSpi(SpiConnectionSettings settings);
}

/// <summary>The real buses through System.Device.Gpio.</summary>
public sealed class LinuxSensorBuses : ISensorBuses
{
    public static LinuxSensorBuses Instance { get; } = new();

    public I2cDevice OpenI2c(int bus, int address) => I2cDevice.Create(new I2cConnectionSettings(bus, address));

    public SpiDevice OpenSpi(SpiConnectionSettings settings) => SpiDevice.Create(settings);
}
