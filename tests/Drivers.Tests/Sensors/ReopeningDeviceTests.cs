using System.Device.I2c;
using SensorOdl.Drivers.Sensors.Buses;
using SensorOdl.Drivers.Tests.Fakes;

namespace SensorOdl.Drivers.Tests.Sensors;

public class ReopeningDeviceTests
{
    [Fact]
    public void Device_opens_on_first_transfer_and_afresh_after_a_transfer_throws()
    {
        var chip = new FakeAdxl345();
        var opened = new List<RegisterChipI2cDevice>();
        using var device = new ReopeningI2cDevice(() =>
        {
            var d = new RegisterChipI2cDevice(chip);
            opened.Add(d);
            return d;
        }, new I2cConnectionSettings(1, 0x53));
        Span<byte> id = stackalloc byte[1];
        Assert.Empty(opened);

        device.WriteRead([0x00], id);
        Assert.Equal(0xE5, id[0]);
        opened[0].Faults.Fault = BusFault.Absent;
        Assert.Throws<IOException>(() => device.ReadByte());
        Assert.True(opened[0].Disposed);

        device.WriteRead([0x00], id);
        Assert.Equal(2, opened.Count);
        Assert.Equal(0xE5, id[0]);
        Assert.False(opened[1].Disposed);
    }

    [Fact]
    public void Device_disposes_what_it_opened()
    {
        var inner = new RegisterChipI2cDevice(new FakeAdxl345());
        var device = new ReopeningI2cDevice(() => inner, new I2cConnectionSettings(1, 0x53));
        device.WriteByte(0x00);
        device.Dispose();
        Assert.True(inner.Disposed);
    }
}
