namespace SensorOdl.Drivers.Sensors.Adxl345;

/// <summary>ADXL345 register map (datasheet Rev. G, table 19), the registers this driver uses.</summary>
internal enum Register : byte
{
    DeviceId = 0x00,        // reads 0xE5
    BandwidthRate = 0x2C,   // D3:0 rate code, 3200 Hz >> (15 − code); D4 low power
    PowerControl = 0x2D,    // D3 Measure
    DataFormat = 0x31,      // D3 FULL_RES, D1:0 range (±2/4/8/16 g)
    DataX0 = 0x32,          // X0 X1 Y0 Y1 Z0 Z1, little-endian int16; reading Z1 pops one FIFO entry
    FifoControl = 0x38,     // D7:6 mode (00 bypass, 10 stream), D4:0 watermark
    FifoStatus = 0x39,      // D5:0 entries
}
