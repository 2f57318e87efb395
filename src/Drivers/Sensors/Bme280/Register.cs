namespace SensorOdl.Drivers.Sensors.Bme280;

/// <summary>BME280 registers (datasheet BST-BME280-DS002, 5.3) that identify the chip and that its fake serves.</summary>
internal enum Register : byte
{
    CalibrationT1 = 0x88,   // dig_T1..dig_P9: 0x88–0x9F little-endian; dig_H1 at 0xA1
    CalibrationH1 = 0xA1,
    ChipId = 0xD0,          // reads 0x60
    Reset = 0xE0,
    CalibrationH2 = 0xE1,   // dig_H2..dig_H6: 0xE1–0xE7
    ControlHumidity = 0xF2,
    Status = 0xF3,          // D3 measuring, D0 im_update
    ControlMeasurement = 0xF4,
    Config = 0xF5,
    PressureMsb = 0xF7,     // press 0xF7–0xF9, temp 0xFA–0xFC (20 bit), hum 0xFD–0xFE (16 bit), big-endian
    TemperatureMsb = 0xFA,
    HumidityMsb = 0xFD,
}
