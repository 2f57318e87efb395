using System.Globalization;
using SensorOdl.Drivers.Replay;
using SensorOdl.Drivers.Simulation;

namespace SensorOdl.Drivers.Sensors;

/// <summary>
/// The <c>Sensor</c> configuration section (CONTRACT §2) as a plain record, free of Microsoft.Extensions: the daemon binds
/// it and hands it to <see cref="SensorFactory"/>. Zero or null means "the kind's default".
/// </summary>
public sealed record SensorSettings
{
    /// <summary><c>simulated</c> | <c>replay</c> | <c>adxl345</c> | <c>mpu6050</c> | <c>ads1115</c> | <c>mcp3008</c>.</summary>
    public string Kind { get; init; } = "simulated";

    /// <summary>I2C bus number (<c>/dev/i2c-N</c>) or SPI bus (<c>/dev/spidevB.C</c>).</summary>
    public int Bus { get; init; } = 1;

    /// <summary>I2C address; for the ADXL345, setting it selects I2C instead of SPI.</summary>
    public int? Address { get; init; }

    /// <summary>SPI chip select (<c>/dev/spidevB.C</c>).</summary>
    public int ChipSelect { get; init; }

    /// <summary>Requested sample rate; chips with fixed rates run at the nearest supported rate at or above it.</summary>
    public double SampleRateHz { get; init; }

    public int WindowSize { get; init; } = 1024;

    /// <summary>Accelerometer range in g (ADXL345, MPU-6050).</summary>
    public int RangeG { get; init; } = 16;

    /// <summary>ADS1115 full scale in volts.</summary>
    public double RangeVolts { get; init; } = 4.096;

    /// <summary>MCP3008 reference voltage.</summary>
    public double ReferenceVolts { get; init; } = 3.3;

    /// <summary>ADC inputs: the ADS1115 uses the first, the MCP3008 samples each as a channel.</summary>
    public int[] Inputs { get; init; } = [0];

    /// <summary><c>Sensor:Replay</c>, for Kind = replay.</summary>
    public ReplaySettings? Replay { get; init; }

    /// <summary>Seed and speed of the simulated machine, for Kind = simulated.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Time factor of the simulated machine: 1 = real time, 0 = as fast as possible.</summary>
    public double Speed { get; init; } = 1;

    /// <summary>The rate used when <see cref="SampleRateHz"/> is 0.</summary>
    public double EffectiveSampleRateHz => SampleRateHz > 0 ? SampleRateHz : DefaultRateHz(Kind);

    /// <summary>Parses an address written as <c>0x53</c> or <c>83</c>.</summary>
    public static int ParseAddress(string text)
    {
        text = text.Trim();
        bool hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (int.TryParse(hex ? text[2..] : text, hex ? NumberStyles.HexNumber : NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            && value is >= 0x03 and <= 0x77)
            return value;
        throw new ArgumentException($"Sensor:Address '{text}' is not an I2C address (0x03 to 0x77).");
    }

    public SimulationSettings ToSimulationSettings() =>
        new(SampleRateHz > 0 ? SampleRateHz : 12_000, WindowSize, Seed, Speed);

    private static double DefaultRateHz(string kind) => kind switch
    {
        "adxl345" => 3200,
        "mpu6050" => 1000,
        "ads1115" => 860,
        "mcp3008" => 4000,
        _ => 12_000,
    };
}
