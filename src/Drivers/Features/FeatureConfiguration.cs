using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Features;

/// <summary>
/// Names the window → model-input transform of a <see cref="FeatureTransform"/>: a
/// <see cref="WaveformFeatureConfiguration"/> or a <see cref="SpectrumFeatureConfiguration"/>. Every model carries its
/// <see cref="ToJson"/> text, so a model is never fed features made another way.
/// </summary>
public abstract record FeatureConfiguration
{
    private protected FeatureConfiguration()
    {
    }

    /// <summary>What the frames were: waveform windows or amplitude spectra.</summary>
    public abstract FrameKind Kind { get; }

    /// <summary>Length of the model's input vector.</summary>
    public abstract int FeatureCount { get; }

    /// <summary>The text stored with a model. Byte for byte what models trained so far carry: do not reformat.</summary>
    public abstract string ToJson();

    /// <summary>Reads <see cref="ToJson"/> text back; throws <see cref="FormatException"/> naming what is wrong with anything else.</summary>
    public static FeatureConfiguration Parse(string json) => FeatureConfigurationReader.Read(json);

    /// <summary>
    /// Null when a model trained on <paramref name="trained"/> can score features made with this configuration; otherwise
    /// one sentence naming the first difference (kind, channels, rate, window, bands; for spectra bins, bin width, scale).
    /// </summary>
    public string? MismatchWith(FeatureConfiguration trained)
    {
        ArgumentNullException.ThrowIfNull(trained);
        if (trained.Kind != Kind)
            return $"The model expects {Describe(trained.Kind)}; the sensor delivers {Describe(Kind)}.";
        return MismatchWithSameKind(trained);
    }

    /// <summary>
    /// <see cref="MismatchWith(FeatureConfiguration)"/> against the text a model carries; text that cannot be read
    /// (<see cref="Parse"/>) is a mismatch too, named by the parse error.
    /// </summary>
    public string? MismatchWith(string trainedJson)
    {
        try
        {
            return MismatchWith(Parse(trainedJson));
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    public sealed override string ToString() => ToJson();

    private protected abstract string? MismatchWithSameKind(FeatureConfiguration trained);

    private static string Describe(FrameKind kind) => kind == FrameKind.Waveform ? "waveform windows" : "spectra";
}
