using SensorOdl.Drivers.Features;

namespace SensorOdl.Drivers.Sensors;

/// <summary>The fixed shape of the frames a sensor produces.</summary>
/// <param name="Kind">Waveform windows or spectrum frames.</param>
/// <param name="Channels">Channels per frame (axes of an accelerometer, inputs of an ADC).</param>
/// <param name="Length">Samples per channel (waveform) or bins (spectrum).</param>
/// <param name="SampleRateHz">Waveform sample rate; 0 for spectra.</param>
/// <param name="BinHz">Spectrum bin spacing; 0 for waveforms.</param>
/// <param name="FramePeriodS">Seconds between frames: Length / SampleRateHz for waveforms, framePeriodS for spectra.</param>
/// <param name="ChannelNames">One name per channel (e.g. x, y, z).</param>
/// <param name="Units">One unit per channel (g, V, m/s², …).</param>
/// <param name="FullScale">Largest magnitude the sensor can report in its unit (for clipping detection); 0 = unknown.</param>
public sealed record SensorFormat(
    FrameKind Kind,
    int Channels,
    int Length,
    double SampleRateHz,
    double BinHz,
    double FramePeriodS,
    IReadOnlyList<string> ChannelNames,
    IReadOnlyList<string> Units,
    double FullScale = 0)
{
    public static SensorFormat Waveform(int windowSize, double sampleRateHz, string[] channelNames, string[] units, double fullScale = 0) =>
        new(FrameKind.Waveform, channelNames.Length, windowSize, sampleRateHz, 0, windowSize / sampleRateHz, channelNames, units, fullScale);

    public static SensorFormat Spectrum(int bins, double binHz, double framePeriodS, string unit = "") =>
        new(FrameKind.Spectrum, 1, bins, 0, binHz, framePeriodS, ["spectrum"], [unit]);

    /// <summary>
    /// Feature settings that match this format. For spectra, the equivalent waveform settings: a window of
    /// 2 × bins (rounded up to a power of two) at a rate that gives the same bin spacing, so the bands line up.
    /// </summary>
    public FeatureSettings ToFeatureSettings(int bandCount = 16, double minHz = 10, double maxHz = 0)
    {
        if (Kind == FrameKind.Waveform) return new FeatureSettings(SampleRateHz, Length, bandCount, minHz, maxHz, FullScale);
        int window = NextPowerOfTwo(2 * Length);
        return new FeatureSettings(window * BinHz, window, bandCount, minHz, maxHz);
    }

    private static int NextPowerOfTwo(int n)
    {
        int p = 8;
        while (p < n) p <<= 1;
        return p;
    }
}
