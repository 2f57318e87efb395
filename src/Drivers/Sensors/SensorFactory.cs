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
/// Builds the configured sensor. Buses are opened on the first read (and reopened after failures), so a missing bus or
/// chip shows up as a faulted <see cref="ISensor.Health"/> that recovers by itself, never as an exception here. Settings that cannot work
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
            "mpu6050" => Polled(new Mpu6050Accelerometer(new I2cRegisterBus(I2c(buses, settings.Bus, settings.Address ?? Mpu6050Accelerometer.DefaultI2cAddress)), settings.RangeG), settings, rate, clock, backoff),
            "ads1115" => Polled(new Ads1115Adc(I2c(buses, settings.Bus, settings.Address ?? Ads1115Adc.DefaultI2cAddress), settings.Inputs[0], settings.RangeVolts), settings, rate, clock, backoff),
            "mcp3008" => Polled(new Mcp3008Adc(Spi(buses, new SpiConnectionSettings(settings.Bus, settings.ChipSelect) { Mode = Mcp3008Adc.Mode, ClockFrequency = Mcp3008Adc.ClockFrequency }), settings.Inputs, settings.ReferenceVolts), settings, rate, clock, backoff),
            _ => throw new ArgumentException($"Sensor:Kind '{settings.Kind}' is not one of {string.Join(", ", Kinds)}."),
        };
    }

    /// <summary>The ambient side channel, or null when <paramref name="settings"/> is null.</summary>
    public static IAmbientSensor? CreateAmbient(AmbientSettings? settings, ISensorBuses? buses = null, ISensorClock? clock = null)
    {
        if (settings is null) return null;
        if (settings.Kind != "bme280") throw new ArgumentException($"Sensor:Ambient:Kind '{settings.Kind}' is not bme280.");
        buses ??= LinuxSensorBuses.Instance;
        return new Bme280Ambient(() => buses.OpenI2c(settings.Bus, settings.Address), clock);
    }

    private static PolledSensor Polled(ISampleSource source, SensorSettings settings, double rate, ISensorClock? clock, BackoffPolicy? backoff) =>
        new(source, rate, settings.WindowSize, clock, backoff);

    private static IRegisterBus Adxl345Bus(SensorSettings settings, ISensorBuses buses) =>
        settings.Address is { } address
            ? new I2cRegisterBus(I2c(buses, settings.Bus, address))
            : new Adxl345SpiBus(Spi(buses, new SpiConnectionSettings(settings.Bus, settings.ChipSelect)
            {
                Mode = Adxl345SpiBus.Mode,
                ClockFrequency = Adxl345SpiBus.ClockFrequency,
            }));

    // opened on first transfer and reopened after a failure: a missing bus is a sensor fault, not a start-up crash
    private static ReopeningI2cDevice I2c(ISensorBuses buses, int bus, int address) =>
        new(() => buses.OpenI2c(bus, address), new System.Device.I2c.I2cConnectionSettings(bus, address));

    private static ReopeningSpiDevice Spi(ISensorBuses buses, SpiConnectionSettings settings) =>
        new(() => buses.OpenSpi(settings), settings);
}
