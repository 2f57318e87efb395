using SensorOdl.Drivers.Sensors.Ads1115;
using SensorOdl.Drivers.Sensors.Adxl345;
using SensorOdl.Drivers.Sensors.Mcp3008;
using SensorOdl.Drivers.Sensors.Mpu6050;

namespace SensorOdl.Drivers.Sensors;

public sealed partial record SensorSettings
{
    /// <summary>Every value that cannot work, one line each: <c>Sensor:Key: problem.</c> Empty when the settings are usable.</summary>
    public IEnumerable<string> Problems()
    {
        if (!Enum.IsDefined(Kind))
            yield return $"Sensor:Kind: '{Kind}' is not one of {string.Join(", ", Enum.GetValues<SensorKind>().Select(k => k.ToConfigValue()))}.";
        if (WindowSize < 8 || (WindowSize & (WindowSize - 1)) != 0)
            yield return "Sensor:WindowSize: must be a power of two of at least 8.";
        if (!(SampleRateHz >= 0) || double.IsInfinity(SampleRateHz))
            yield return "Sensor:SampleRateHz: must be positive (0 = the chip's default).";
        if (Kind == SensorKind.Replay && string.IsNullOrEmpty(Replay.Data))
            yield return "Sensor:Replay:Data: is required when Sensor:Kind is replay.";
        if (!IsSpeed(Replay.Speed))
            yield return "Sensor:Replay:Speed: must be 0 (as fast as possible) or positive.";
        if (!IsSpeed(Speed))
            yield return "Sensor:Speed: must be 0 (as fast as possible) or positive.";
        foreach (string problem in Simulation.Problems())
            yield return problem;
        if (Ambient.Kind is { } ambient && !Enum.IsDefined(ambient))
            yield return "Sensor:Ambient:Kind: only bme280 is supported.";
        if (AddressProblem(Address, "Sensor:Address") is { } address)
            yield return address;
        if (AddressProblem(Ambient.Address, "Sensor:Ambient:Address") is { } ambientAddress)
            yield return ambientAddress;
        foreach (string problem in ChipProblems())
            yield return problem;
    }

    private IEnumerable<string> ChipProblems()
    {
        switch (Kind)
        {
            case SensorKind.Adxl345 when !Adxl345Accelerometer.RangesG.Contains(RangeG):
            case SensorKind.Mpu6050 when !Mpu6050Accelerometer.RangesG.Contains(RangeG):
                yield return $"Sensor:RangeG: must be 2, 4, 8 or 16 for the {Kind.ToConfigValue()}, not {RangeG}.";
                break;
            case SensorKind.Ads1115:
                if (!Ads1115Adc.RangesVolts.Contains(RangeVolts))
                    yield return $"Sensor:RangeVolts: must be 6.144, 4.096, 2.048, 1.024, 0.512 or 0.256 for the ads1115, not {RangeVolts}.";
                if (EffectiveInputs.Count != 1 || EffectiveInputs[0] is < 0 or >= Ads1115Adc.InputCount)
                    yield return $"Sensor:Inputs: the ads1115 samples one input, 0 to {Ads1115Adc.InputCount - 1}, not [{string.Join(", ", EffectiveInputs)}].";
                break;
            case SensorKind.Mcp3008:
                if (!(ReferenceVolts > 0) || double.IsInfinity(ReferenceVolts))
                    yield return $"Sensor:ReferenceVolts: must be positive, not {ReferenceVolts}.";
                if (EffectiveInputs.Any(i => i is < 0 or >= Mcp3008Adc.InputCount))
                    yield return $"Sensor:Inputs: an mcp3008 input is 0 to {Mcp3008Adc.InputCount - 1}, not [{string.Join(", ", EffectiveInputs)}].";
                break;
        }
    }

    private static bool IsSpeed(double speed) => speed >= 0 && !double.IsInfinity(speed);

    private static string? AddressProblem(string? address, string key) =>
        address is { Length: > 0 } text && !TryParseAddress(text, out _)
            ? $"{key}: '{text.Trim()}' is not an I2C address (0x03 to 0x77)."
            : null;
}
