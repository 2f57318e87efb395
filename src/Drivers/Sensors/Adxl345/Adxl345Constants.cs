namespace SensorOdl.Drivers.Sensors.Adxl345;

internal static class Adxl345Constants
{
    public const byte DeviceId = 0xE5;
    public const byte Measure = 0x08;
    public const byte FullResolution = 0x08;
    public const byte StreamMode = 0x80;
    public const int FifoDepth = 32;
    /// <summary>Full-resolution sensitivity: 3.9 mg per LSB in every range (datasheet, "Scale factor", typical).</summary>
    public const double GPerLsb = 0.0039;
    public const double MaxRateHz = 3200;
}
