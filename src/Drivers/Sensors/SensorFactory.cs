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
/// (<see cref="SensorSettings.Problems"/>) throw <see cref="ArgumentException"/> with the first problem's line.
/// </summary>
public static class SensorFactory
{
    public static ISensor Create(SensorSettings settings, ISensorBuses? buses = null, SamplePacer? pacer = null, BackoffPolicy? backoff = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Problems().FirstOrDefault() is { } problem) throw new ArgumentException(problem);
        buses ??= LinuxSensorBuses.Instance;
        double rate = settings.EffectiveSampleRateHz;
        int? address = settings.I2cAddress;
        return settings.Kind switch
        {
            SensorKind.Simulated => new SimulatedMachineSensor(settings.ToSimulationSettings(), pacer),
            SensorKind.Replay => new ReplaySensor(settings.Replay, settings.WindowSize, pacer),
            SensorKind.Adxl345 => Polled(new Adxl345Accelerometer(Adxl345Bus(settings, address, buses), settings.RangeG), settings, rate, pacer, backoff),
            SensorKind.Mpu6050 => Polled(new Mpu6050Accelerometer(new I2cRegisterBus(I2c(buses, settings.Bus, address ?? Mpu6050Accelerometer.DefaultI2cAddress)), settings.RangeG), settings, rate, pacer, backoff),
            SensorKind.Ads1115 => Polled(new Ads1115Adc(I2c(buses, settings.Bus, address ?? Ads1115Adc.DefaultI2cAddress), settings.EffectiveInputs[0], settings.RangeVolts), settings, rate, pacer, backoff),
            SensorKind.Mcp3008 => Polled(new Mcp3008Adc(Spi(buses, new SpiConnectionSettings(settings.Bus, settings.ChipSelect) { Mode = Mcp3008Adc.Mode, ClockFrequency = Mcp3008Adc.ClockFrequency }), [.. settings.EffectiveInputs], settings.ReferenceVolts), settings, rate, pacer, backoff),
            _ => throw new ArgumentException($"Sensor:Kind: '{settings.Kind}' has no sensor."), // unreachable: Problems() names undefined kinds
        };
    }

    /// <summary>The ambient side channel, or null when <paramref name="settings"/> is null or names no <see cref="AmbientSettings.Kind"/>.</summary>
    public static IAmbientSensor? CreateAmbient(AmbientSettings? settings, ISensorBuses? buses = null, TimeProvider? time = null)
    {
        if (settings?.Kind is not { } kind) return null;
        if (kind != AmbientKind.Bme280) throw new ArgumentException("Sensor:Ambient:Kind: only bme280 is supported.");
        int address = settings.I2cAddress;
        buses ??= LinuxSensorBuses.Instance;
        return new Bme280Ambient(() => buses.OpenI2c(settings.Bus, address), time);
    }

    private static PolledSensor Polled(ISampleSource source, SensorSettings settings, double rate, SamplePacer? pacer, BackoffPolicy? backoff) =>
        new(source, rate, settings.WindowSize, pacer, backoff);

    private static IRegisterBus Adxl345Bus(SensorSettings settings, int? i2cAddress, ISensorBuses buses) =>
        i2cAddress is { } address
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
