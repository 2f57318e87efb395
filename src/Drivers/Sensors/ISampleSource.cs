namespace SensorOdl.Drivers.Sensors;

/// <summary>
/// A chip that delivers one sample per channel on request. <see cref="PolledSensor"/> paces it into windows, watches its
/// health and reopens it after a fault. Implementations throw (IOException, <see cref="SensorException"/>, …) on trouble;
/// they never need to catch.
/// </summary>
public interface ISampleSource : IDisposable
{
    /// <summary>The configured kind (<c>adxl345</c>, <c>mpu6050</c>, …).</summary>
    string Kind { get; }

    IReadOnlyList<string> ChannelNames { get; }

    IReadOnlyList<string> Units { get; }

    /// <summary>Largest magnitude the configured range can report, in <see cref="Units"/>.</summary>
    double FullScale { get; }

    /// <summary>The rate the chip will really run at when asked for <paramref name="requestedHz"/> (chips with fixed
    /// output data rates pick the nearest one at or above it). The sensor's windows use this rate.</summary>
    double SupportedSampleRateHz(double requestedHz) => requestedHz;

    /// <summary>Checks the chip's identity and configures it for <paramref name="sampleRateHz"/>; called again after a fault.</summary>
    void Open(double sampleRateHz);

    // sample: [Channels] one value per channel, in Units
    void ReadSample(Span<float> sample);
}

/// <summary>A chip with a hardware FIFO: <see cref="PolledSensor"/> drains it instead of polling sample by sample.</summary>
public interface IFifoSampleSource : ISampleSource
{
    /// <summary>Samples the FIFO holds when full.</summary>
    int FifoCapacity { get; }

    // interleaved: [maxSamples, Channels] -> returns the samples copied (0 when the FIFO is empty);
    // waiting: samples the FIFO held before this read (at FifoCapacity it may have overflowed and dropped samples)
    int ReadFifo(Span<float> interleaved, int maxSamples, out int waiting);
}
