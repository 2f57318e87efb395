using System.Globalization;
using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Daemon.Pipeline;

/// <summary>
/// Turns a sensor frame into the model's input vector. Waveforms: per channel, the window features of
/// <see cref="FeatureExtractor"/> (log-spaced bands, RMS, peak, crest, kurtosis, dominant frequency), channels
/// concatenated. Spectra: ln(amplitude + 10⁻³) of every bin but DC. <see cref="Config"/> names the transform;
/// a model trained on another transform is refused.
/// </summary>
public sealed class FeatureVectorizer
{
    const float LogFloor = 1e-3f;
    readonly FeatureExtractor? _extractor;
    readonly float[] _channelFeatures = [];

    public FeatureVectorizer(SensorFormat format)
    {
        Format = format;
        if (format.Kind == FrameKind.Waveform)
        {
            FeatureSettings settings = format.ToFeatureSettings();
            _extractor = new FeatureExtractor(settings);
            _channelFeatures = new float[_extractor.FeatureCount];
            Size = format.Channels * _extractor.FeatureCount;
            Config = string.Create(CultureInfo.InvariantCulture,
                $"{{\"kind\":\"waveform\",\"channels\":{format.Channels},\"sampleRateHz\":{format.SampleRateHz},\"windowSize\":{format.Length},\"bands\":{settings.BandCount},\"minHz\":{settings.MinHz},\"maxHz\":{settings.EffectiveMaxHz}}}");
        }
        else
        {
            Size = format.Length - 1;
            Config = string.Create(CultureInfo.InvariantCulture, $"{{\"kind\":\"spectrum\",\"bins\":{format.Length},\"binHz\":{format.BinHz},\"scale\":\"ln(a+0.001), DC dropped\"}}");
        }
    }

    public SensorFormat Format { get; }
    public int Size { get; }
    public string Config { get; }

    /// <summary>frame → features: [Size]; returns what was wrong with the window (NaN, clipping, short…), if anything.</summary>
    public WindowFlags Extract(SensorFrame frame, Span<float> features)
    {
        if (_extractor is not null)
        {
            WindowFlags flags = frame.Flags;
            int n = _extractor.FeatureCount;
            for (int c = 0; c < Format.Channels; c++)
            {
                flags |= frame.ExtractFeatures(_extractor, _channelFeatures, c);
                _channelFeatures.CopyTo(features.Slice(c * n, n));
            }
            return flags;
        }
        ReadOnlySpan<float> bins = frame.Channel(0);
        WindowFlags result = frame.Flags;
        if (bins.Length < Format.Length) result |= WindowFlags.ShortWindow;
        for (int i = 1; i < Format.Length; i++)
        {
            float a = i < bins.Length ? bins[i] : 0;
            if (!float.IsFinite(a)) { result |= WindowFlags.NonFinite; a = 0; }
            features[i - 1] = MathF.Log(MathF.Max(a, 0) + LogFloor);
        }
        return result;
    }
}
