using System.Globalization;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Features;

/// <summary>Waveform windows: per channel the <see cref="FeatureExtractor"/> features (<see cref="FeatureLayout"/>), channels concatenated.</summary>
/// <param name="Channels">Channels per window, each contributing <c>Bands + 5</c> features.</param>
/// <param name="SampleRateHz">Sample rate of the waveform (Hz).</param>
/// <param name="WindowSize">Samples per window (the FFT size).</param>
/// <param name="Bands">Log-spaced spectral bands per channel.</param>
/// <param name="MinHz">Lower edge of the first band (Hz).</param>
/// <param name="MaxHz">Upper edge of the last band (Hz), as used (Nyquist when not configured).</param>
public sealed record WaveformFeatureConfiguration(int Channels, double SampleRateHz, int WindowSize, int Bands, double MinHz, double MaxHz)
    : FeatureConfiguration
{
    public override FrameKind Kind => FrameKind.Waveform;

    public override int FeatureCount => Channels * (Bands + FeatureLayout.ScalarCount);

    public override string ToJson() => string.Create(CultureInfo.InvariantCulture,
        $"{{\"kind\":\"waveform\",\"channels\":{Channels},\"sampleRateHz\":{SampleRateHz},\"windowSize\":{WindowSize},\"bands\":{Bands},\"minHz\":{MinHz},\"maxHz\":{MaxHz}}}");

    private protected override string? MismatchWithSameKind(FeatureConfiguration trained)
    {
        var model = (WaveformFeatureConfiguration)trained;
        if (model.Channels != Channels)
            return $"The model expects {model.Channels} channel(s); the sensor delivers {Channels}.";
        return Settings().MismatchWith(model.Settings());
    }

    private FeatureSettings Settings() => new(SampleRateHz, WindowSize, Bands, MinHz, MaxHz);
}
