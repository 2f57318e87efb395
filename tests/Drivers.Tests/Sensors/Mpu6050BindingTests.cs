using SensorOdl.Drivers.Tests.Fakes;

namespace SensorOdl.Drivers.Tests.Sensors;

/// <summary>
/// Why <c>Mpu6050Accelerometer</c> talks to the registers itself: the same register-level fake driven through the
/// dotnet/iot binding (4.2.0) shows the unit and divider problems docs/PLATFORM-NOTES.md §3 describes. If a later binding fixes
/// them, these tests fail and the driver can move onto the binding.
/// </summary>
public class Mpu6050BindingTests
{
    [Fact]
    public void Mpu6050_binding_reports_m_per_s2_and_shrinks_with_the_sample_rate_divider()
    {
        var chip = new FakeMpu6050 { AccelerationG = (0, 0, 1) };
        using var binding = new Iot.Device.Imu.Mpu6050(new RegisterChipI2cDevice(chip, address: 0x68));
        binding.AccelerometerRange = Iot.Device.Imu.AccelerometerRange.Range02G;

        var atDivider0 = binding.GetAccelerometer();
        Assert.Equal(9.80665, atDivider0.Z, 0.01); // m/s², although the binding documents g

        binding.SampleRateDivider = 7;
        var atDivider7 = binding.GetAccelerometer();
        Assert.Equal(9.80665 / 8, atDivider7.Z, 0.01); // the same 1 g, scaled by 1 / (1 + divider)
    }
}
