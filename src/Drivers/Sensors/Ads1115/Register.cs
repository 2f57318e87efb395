namespace SensorOdl.Drivers.Sensors.Ads1115;

/// <summary>ADS1115 registers (datasheet SBAS444, 9.6): 16-bit, big-endian, selected by the pointer byte.</summary>
internal enum Register : byte
{
    Conversion = 0x00,   // last result, two's complement
    Config = 0x01,       // OS | MUX[14:12] | PGA[11:9] | MODE | DR[7:5] | comparator[4:0]
    LowThreshold = 0x02,
    HighThreshold = 0x03,
}
