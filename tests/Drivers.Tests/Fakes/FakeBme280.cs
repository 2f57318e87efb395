using System.Buffers.Binary;

namespace SensorOdl.Drivers.Tests.Fakes;

/// <summary>
/// BME280 per its datasheet: chip ID 0x60 at 0xD0, calibration words at 0x88–0xA1 and 0xE1–0xE7, raw 20-bit pressure and
/// temperature and 16-bit humidity at 0xF7–0xFE (big-endian, left-aligned), a forced measurement returns the mode bits
/// to sleep, soft reset 0xB6 at 0xE0. Calibration and raw values are the BMP280 datasheet's worked example
/// (T = 25.08 °C, p = 100,653 Pa) plus typical humidity trimming.
/// </summary>
internal sealed class FakeBme280 : RegisterFile
{
    public const ushort T1 = 27504;
    public const short T2 = 26435, T3 = -1000;
    public const ushort P1 = 36477;
    public const short P2 = -10685, P3 = 3024, P4 = 2855, P5 = 140, P6 = -7, P7 = 15500, P8 = -14600, P9 = 6000;
    public const byte H1 = 75;
    public const short H2 = 362;
    public const byte H3 = 0;
    public const short H4 = 313, H5 = 50;
    public const sbyte H6 = 30;

    public FakeBme280()
    {
        Registers[0xD0] = 0x60;
        var r = Registers.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(r[0x88..], T1);
        BinaryPrimitives.WriteInt16LittleEndian(r[0x8A..], T2);
        BinaryPrimitives.WriteInt16LittleEndian(r[0x8C..], T3);
        BinaryPrimitives.WriteUInt16LittleEndian(r[0x8E..], P1);
        short[] p = [P2, P3, P4, P5, P6, P7, P8, P9];
        for (int i = 0; i < p.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(r[(0x90 + 2 * i)..], p[i]);
        Registers[0xA1] = H1;
        BinaryPrimitives.WriteInt16LittleEndian(r[0xE1..], H2);
        Registers[0xE3] = H3;
        Registers[0xE4] = (byte)(H4 >> 4);
        Registers[0xE5] = (byte)((H4 & 0x0F) | ((H5 & 0x0F) << 4));
        Registers[0xE6] = (byte)(H5 >> 4);
        Registers[0xE7] = (byte)H6;
        RawTemperature = 519888;
        RawPressure = 415148;
        RawHumidity = 30000;
    }

    public int RawTemperature { get; set; }
    public int RawPressure { get; set; }
    public int RawHumidity { get; set; }
    public int ForcedMeasurements { get; private set; }

    public override void WriteRegister(byte register, byte value)
    {
        if (register == 0xD0) return;
        if (register == 0xE0 && value == 0xB6)
        {
            Registers[0xF2] = Registers[0xF4] = Registers[0xF5] = 0;
            return;
        }
        base.WriteRegister(register, value);
        if (register == 0xF4 && (value & 0x03) is 0x01 or 0x02)
        {
            ForcedMeasurements++;
            Registers[0xF4] = (byte)(value & 0xFC); // measurement done: back to sleep
        }
    }

    protected override byte ReadRegister(byte register)
    {
        int pressure = RawPressure << 4, temperature = RawTemperature << 4;
        return register switch
        {
            0xF7 => (byte)(pressure >> 16),
            0xF8 => (byte)(pressure >> 8),
            0xF9 => (byte)pressure,
            0xFA => (byte)(temperature >> 16),
            0xFB => (byte)(temperature >> 8),
            0xFC => (byte)temperature,
            0xFD => (byte)(RawHumidity >> 8),
            0xFE => (byte)RawHumidity,
            0xF3 => 0, // not measuring, NVM copied
            _ => base.ReadRegister(register),
        };
    }

    /// <summary>Datasheet floating-point compensation (BME280 DS 8.1), written independently of the binding.</summary>
    public (double TemperatureC, double PressurePa, double HumidityPercent) Expected()
    {
        double var1 = (RawTemperature / 16384.0 - T1 / 1024.0) * T2;
        double var2 = (RawTemperature / 131072.0 - T1 / 8192.0) * (RawTemperature / 131072.0 - T1 / 8192.0) * T3;
        double tFine = var1 + var2;
        double temperature = tFine / 5120.0;

        var1 = tFine / 2.0 - 64000.0;
        var2 = var1 * var1 * P6 / 32768.0;
        var2 += var1 * P5 * 2.0;
        var2 = var2 / 4.0 + P4 * 65536.0;
        var1 = (P3 * var1 * var1 / 524288.0 + P2 * var1) / 524288.0;
        var1 = (1.0 + var1 / 32768.0) * P1;
        double pressure = 1048576.0 - RawPressure;
        pressure = (pressure - var2 / 4096.0) * 6250.0 / var1;
        var1 = P9 * pressure * pressure / 2147483648.0;
        var2 = pressure * P8 / 32768.0;
        pressure += (var1 + var2 + P7) / 16.0;

        double h = tFine - 76800.0;
        h = (RawHumidity - (H4 * 64.0 + H5 / 16384.0 * h)) * (H2 / 65536.0 * (1.0 + H6 / 67108864.0 * h * (1.0 + H3 / 67108864.0 * h)));
        h *= 1.0 - H1 * h / 524288.0;
        return (temperature, pressure, Math.Clamp(h, 0, 100));
    }
}
