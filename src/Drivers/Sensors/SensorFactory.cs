using System.Device.Spi;
using SensorOdl.Drivers.Replay;
using SensorOdl.Drivers.Sensors.Adxl345;
using SensorOdl.Drivers.Sensors.Ads1115;
using SensorOdl.Drivers.Sensors.Bme280;
using SensorOdl.Drivers.Sensors.Buses;
using SensorOdl.Drivers.Sensors.Mcp3008;
using SensorOdl.Drivers.Sensors.Mpu6050;
using SensorOdl.Drivers.Simulation;

namespace SensorOdl.Drivers.Sensors;

/// <summary>
/// Builds the configured sensor. Opening the device is deferred to the first read, so a missing chip shows up as a
/// faulted <see cref="ISensor.Health"/> (and recovers by itself) rather than an exception here. Settings that cannot work
/// throw <see cref="ArgumentException"/> with one sentence naming the key.
/// </summary>
public static class SensorFactory
{
    public static readonly IReadOnlyList<string> Kinds = ["simulated", "replay", "adxl345", "mpu6050", "ads1115", "mcp3008"];

    public static ISensor Create(SensorSettings settings, ISensorBuses? buses = null, ISensorClock? clock = null, BackoffPolicy? backoff = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        buses ??= LinuxSensorBuses.Instance;
        double rate = settings.EffectiveSampleRateHz;
        return settings.Kind switch
        {
            "simulated" => new SimulatedMachineSensor(settings.ToSimulationSettings(), clock),
            "replay" => new ReplaySensor(
                (settings.Replay ?? throw new ArgumentException("Sensor:Replay:Data must be set when Sensor:Kind is replay.")) with { WindowSize = settings.WindowSize },
                clock),
            "adxl345" => Polled(new Adxl345Accelerometer(Adxl345Bus(settings, buses), settings.RangeG), settings, rate, clock, backoff),
            "mpu6050" => Polled(new Mpu6050Accelerometer(new I2cRegisterBus(buses.OpenI2c(settings.Bus, settings.Address ?? Mpu6050Accelerometer.DefaultI2cAddress)), settings.RangeG), settings, rate, clock, backoff),
            "ads1115" => Polled(new Ads1115Adc(buses.OpenI2c(settings.Bus, settings.Address ?? Ads1115Adc.DefaultI2cAddress), settings.Inputs[0], settings.RangeVolts), settings, rate, clock, backoff),
            "mcp3008" => Polled(new Mcp3008Adc(buses.OpenSpi(new SpiConnectionSettings(settings.Bus, settings.ChipSelect) { Mode = Mcp3008Adc.Mode, ClockFrequency = Mcp3008Adc.ClockFrequency }), settings.Inputs, settings.ReferenceVolts), settings, rate, clock, backoff),
            _ => throw new ArgumentException($"Sensor:Kind '{settings.Kind}' is not one of {string.Join(", ", Kinds)}."),
        };
    }

    /// <summary>The ambient side channel, or null when <paramref name="settings"/> is null.</summary>
    public static IAmbientSensor? CreateAmbient(AmbientSettings? settings, ISensorBuses? buses = null, ISensorClock? clock = null)
    {
        if (settings is null) return null;
        if (settings.Kind != "bme280") throw new ArgumentException($"Sensor:Ambient:Kind '{settings.Kind}' is not bme280.");
        return Bme280Ambient.Open(buses ?? LinuxSensorBuses.Instance, settings.Bus, settings.Address, clock);
    }

    private static PolledSensor Polled(ISampleSource source, SensorSettings settings, double rate, ISensorClock? clock, BackoffPolicy? backoff) =>
        new(source, rate, settings.WindowSize, clock, backoff);

    private static IRegisterBus Adxl345Bus(SensorSettings settings, ISensorBuses buses) =>
        settings.Address is { } address
            ? new I2cRegisterBus(buses.OpenI2c(settings.Bus, address))
            : new Adxl345SpiBus(buses.OpenSpi(new SpiConnectionSettings(settings.Bus, settings.ChipSelect)
            {
                Mode = Adxl345SpiBus.Mode,
                ClockFrequency = Adxl345SpiBus.ClockFrequency,
            }));
}
