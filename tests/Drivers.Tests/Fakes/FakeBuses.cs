using System.Device.I2c;
using System.Device.Spi;
using SensorOdl.Drivers.Sensors.Buses;

namespace SensorOdl.Drivers.Tests.Fakes;

/// <summary>Hands out fake bus devices and records what was asked for.</summary>
internal sealed class FakeBuses(Func<int, int, I2cDevice>? i2c = null, Func<SpiConnectionSettings, SpiDevice>? spi = null) : ISensorBuses
{
    public List<string> Opened { get; } = [];

    public I2cDevice OpenI2c(int bus, int address)
    {
        Opened.Add($"i2c-{bus}@0x{address:X2}");
        return (i2c ?? throw new IOException($"/dev/i2c-{bus} does not exist."))(bus, address);
    }

    public SpiDevice OpenSpi(SpiConnectionSettings settings)
    {
        Opened.Add($"spidev{settings.BusId}.{settings.ChipSelectLine} mode {settings.Mode}");
        return (spi ?? throw new IOException($"/dev/spidev{settings.BusId}.{settings.ChipSelectLine} does not exist."))(settings);
    }
}
