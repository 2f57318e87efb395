using System.Device.I2c;

namespace SensorOdl.Drivers.Sensors.Bme280;

/// <summary>
/// BME280 environment sensor (I2C 0x76/0x77) as the ambient side channel, through <c>Iot.Device.Bmxx80.Bme280</c>
/// (chip-ID check, calibration, forced-mode measurement and compensation are the binding's). Faults are reported in
/// <see cref="Health"/>; the binding is recreated on the next read after a fault, with back-off.
/// </summary>
public sealed class Bme280Ambient : IAmbientSensor
{
    public const int DefaultI2cAddress = 0x76;

    private readonly Func<I2cDevice> _openDevice;
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly BackoffPolicy _backoff;
    private Iot.Device.Bmxx80.Bme280? _bme;
    private TimeSpan _retryAt;
    private TimeSpan _currentBackoff;

    /// <param name="openDevice">Opens the I2C device (again after a fault); the sensor owns what it returns.</param>
    /// <param name="time">Times the back-off and stamps readings; the system clock by default.</param>
    public Bme280Ambient(Func<I2cDevice> openDevice, TimeProvider? time = null, BackoffPolicy? backoff = null)
    {
        _openDevice = openDevice ?? throw new ArgumentNullException(nameof(openDevice));
        _time = time ?? TimeProvider.System;
        _start = _time.GetTimestamp();
        _backoff = backoff ?? BackoffPolicy.Default;
        Health = SensorHealth.Faulted("The BME280 has not been read yet.", _time.GetUtcNow());
    }

    public string Kind => "bme280";
    public SensorHealth Health { get; private set; }

    public bool TryRead(out AmbientReading reading)
    {
        reading = default;
        if (_bme is null && Elapsed < _retryAt) return false;
        I2cDevice? device = null;
        try
        {
            if (_bme is null)
            {
                device = _openDevice();
                _bme = new Iot.Device.Bmxx80.Bme280(device);
            }
            var result = _bme.Read();
            if (result.Temperature is not { } t || result.Humidity is not { } h)
                throw new SensorException("the BME280 returned no temperature or humidity.");
            double temperatureC = t.DegreesCelsius, humidity = h.Percent;
            double pressureHpa = result.Pressure is { } p ? p.Hectopascals : double.NaN;
            if (!double.IsFinite(temperatureC) || temperatureC < -40 || temperatureC > 85 || humidity < 0 || humidity > 100)
                throw new SensorException($"the BME280 read {temperatureC:F1} °C and {humidity:F1} %RH, outside what it can measure.");
            reading = new AmbientReading(temperatureC, humidity, pressureHpa, _time.GetUtcNow());
            _currentBackoff = TimeSpan.Zero;
            if (!Health.IsHealthy) Health = SensorHealth.Ok(_time.GetUtcNow());
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (_bme is not null) _bme.Dispose();
            else device?.Dispose();
            _bme = null;
            _currentBackoff = _backoff.Next(_currentBackoff);
            _retryAt = Elapsed + _currentBackoff;
            Health = SensorHealth.Faulted($"The bme280 could not be read: {e.Message}", _time.GetUtcNow());
            return false;
        }
    }

    private TimeSpan Elapsed => _time.GetElapsedTime(_start);

    public void Dispose()
    {
        _bme?.Dispose();
        _bme = null;
    }
}
