using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Features;

/// <summary>
/// A sensor frame → the model's input vector. Waveforms: per channel the window features of <see cref="FeatureExtractor"/>
/// (log-spaced bands, RMS, peak, crest, kurtosis, dominant frequency), channels concatenated. Spectra: ln(amplitude + 10⁻³)
/// of every bin but DC. <see cref="Configuration"/> names the transform; a model trained on another one is refused.
/// Holds its buffers, so <see cref="Extract"/> allocates nothing. One instance per thread.
/// </summary>
public sealed class FeatureTransform
{
    private const float LogFloor = 1e-3f;
    private readonly FeatureExtractor? _extractor;
    private readonly float[] _channelFeatures = [];

    public FeatureTransform(SensorFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        Format = format;
        if (format.Kind == FrameKind.Waveform)
        {
            var settings = format.ToFeatureSettings();
            _extractor = new FeatureExtractor(settings);
            _channelFeatures = new float[_extractor.FeatureCount];
            Configuration = new WaveformFeatureConfiguration(format.Channels, format.SampleRateHz, format.Length,
                settings.BandCount, settings.MinHz, settings.EffectiveMaxHz);
        }
        else
        {
            Configuration = new SpectrumFeatureConfiguration(format.Length, format.BinHz);
        }
    }

    public SensorFormat Format { get; }

    public FeatureConfiguration Configuration { get; }

    /// <summary>Length of the feature vector.</summary>
    public int Size => Configuration.FeatureCount;

    // frame: one frame of Format  features: [Size]; returns the frame's flags plus what was wrong with its values
    public WindowFlags Extract(SensorFrame frame, Span<float> features)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (features.Length < Size)
            throw new ArgumentException($"The feature span must hold {Size} values.", nameof(features));
        return _extractor is not null ? ExtractWaveform(_extractor, frame, features) : ExtractSpectrum(frame, features);
    }

    private WindowFlags ExtractWaveform(FeatureExtractor extractor, SensorFrame frame, Span<float> features)
    {
        var flags = frame.Flags;
        int n = extractor.FeatureCount;
        for (int c = 0; c < Format.Channels; c++)
        {
            flags |= extractor.Extract(frame.Channel(c), _channelFeatures);
            _channelFeatures.CopyTo(features.Slice(c * n, n));
        }
        return flags;
    }

    private WindowFlags ExtractSpectrum(SensorFrame frame, Span<float> features)
    {
        ReadOnlySpan<float> bins = frame.Channel(0);
        var flags = frame.Flags;
        if (bins.Length < Format.Length) flags |= WindowFlags.ShortWindow;
        flags |= SampleQuality.DetectStuck(bins, singleValueOnly: true);
        for (int i = 1; i < Format.Length; i++)
        {
            float a = i < bins.Length ? bins[i] : 0;
            if (!float.IsFinite(a))
            {
                flags |= WindowFlags.NonFinite;
                a = 0;
            }
            features[i - 1] = MathF.Log(MathF.Max(a, 0) + LogFloor);
        }
        return flags;
    }
}
