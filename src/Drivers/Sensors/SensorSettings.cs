using System.Globalization;
using SensorOdl.Drivers.Replay;
using SensorOdl.Drivers.Simulation;

namespace SensorOdl.Drivers.Sensors;

/// <summary>
/// The <c>Sensor</c> configuration section (docs/CONTRACT.md §2). The daemon binds it directly from configuration (the keys are
/// the property names, enum values in any case: <c>Kind=adxl345</c>); <see cref="Problems"/> names what cannot work and
/// <see cref="SensorFactory"/> builds the sensor from it. Zero or unset means "the kind's default".
/// </summary>
public sealed partial record SensorSettings
{
    private static readonly int[] DefaultInputs = [0];

    /// <summary>Which source to read: <c>simulated</c> (default), <c>replay</c>, <c>adxl345</c>, <c>mpu6050</c>, <c>ads1115</c> or <c>mcp3008</c>.</summary>
    public SensorKind Kind { get; init; } = SensorKind.Simulated;

    /// <summary>I2C bus number (<c>/dev/i2c-N</c>) or SPI bus (<c>/dev/spidevB.C</c>).</summary>
    public int Bus { get; init; } = 1;

    /// <summary>I2C address as written in configuration, <c>0x53</c> or <c>83</c>; unset = the chip's default. For the
    /// ADXL345, setting it selects I2C instead of SPI.</summary>
    public string? Address { get; init; }

    /// <summary>SPI chip select (<c>/dev/spidevB.C</c>).</summary>
    public int ChipSelect { get; init; }

    /// <summary>Requested sample rate in Hz; 0 = the kind's default. Chips with fixed rates run at the nearest supported
    /// rate at or above it.</summary>
    public double SampleRateHz { get; init; }

    /// <summary>Samples per window: a power of two of at least 8 (it is the FFT size).</summary>
    public int WindowSize { get; init; } = 1024;

    /// <summary>Noise seed of the simulated machine: the same seed gives the same samples.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Time factor of the simulated machine: 1 = real time, 0 = as fast as possible.</summary>
    public double Speed { get; init; } = 1;

    /// <summary><c>Sensor:Simulation</c>: the simulated machine's drift and fault, by name and by number.</summary>
    public SimulatedMachineSettings Simulation { get; init; } = new();

    /// <summary><c>Sensor:Replay</c>, read when <see cref="Kind"/> is <c>replay</c>.</summary>
    public ReplaySettings Replay { get; init; } = new();

    /// <summary><c>Sensor:Ambient</c>: the optional slow side sensor beside any kind.</summary>
    public AmbientSettings Ambient { get; init; } = new();

    /// <summary>Accelerometer range in ±g (ADXL345, MPU-6050): 2, 4, 8 or 16.</summary>
    public int RangeG { get; init; } = 16;

    /// <summary>ADS1115 full scale in ±volts: 6.144, 4.096, 2.048, 1.024, 0.512 or 0.256.</summary>
    public double RangeVolts { get; init; } = 4.096;

    /// <summary>MCP3008 reference voltage (its full scale).</summary>
    public double ReferenceVolts { get; init; } = 3.3;

    /// <summary>ADC inputs (<c>Sensor:Inputs:0=2</c>, …): the ADS1115 samples one (0–3), the MCP3008 each as a channel
    /// (0–7). Unset = input 0; see <see cref="EffectiveInputs"/>.</summary>
    /// <remarks>Null rather than <c>[0]</c> by default because the configuration binder appends to an array it finds.</remarks>
    public int[]? Inputs { get; init; }

    /// <summary><see cref="Inputs"/>, or input 0 when none is set.</summary>
    public IReadOnlyList<int> EffectiveInputs => Inputs is { Length: > 0 } inputs ? inputs : DefaultInputs;

    /// <summary><see cref="Address"/> parsed, or null when unset (<see cref="ArgumentException"/> when it is not an I2C address).</summary>
    public int? I2cAddress => Address is { Length: > 0 } text ? ParseAddress(text) : null;

    /// <summary>The rate used: <see cref="SampleRateHz"/>, or the kind's default when it is 0.</summary>
    public double EffectiveSampleRateHz => SampleRateHz > 0 ? SampleRateHz : DefaultRateHz(Kind);

    /// <summary>Parses an address written as <c>0x53</c> or <c>83</c>; throws <see cref="ArgumentException"/> naming <paramref name="key"/>.</summary>
    public static int ParseAddress(string text, string key = "Sensor:Address") =>
        TryParseAddress(text, out int value)
            ? value
            : throw new ArgumentException($"{key}: '{text.Trim()}' is not an I2C address (0x03 to 0x77).");

    public SimulationSettings ToSimulationSettings() =>
        new(SampleRateHz > 0 ? SampleRateHz : 12_000, WindowSize, Seed, Speed, Condition: Simulation.Condition(), Faults: Simulation.Faults());

    private static bool TryParseAddress(string text, out int value)
    {
        text = text.Trim();
        bool hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        return int.TryParse(hex ? text[2..] : text, hex ? NumberStyles.HexNumber : NumberStyles.Integer, CultureInfo.InvariantCulture, out value)
            && value is >= 0x03 and <= 0x77;
    }

    private static double DefaultRateHz(SensorKind kind) => kind switch
    {
        SensorKind.Adxl345 => 3200,
        SensorKind.Mpu6050 => 1000,
        SensorKind.Ads1115 => 860,
        SensorKind.Mcp3008 => 4000,
        _ => 12_000,
    };
}
