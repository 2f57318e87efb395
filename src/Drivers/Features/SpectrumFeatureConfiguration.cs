using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Features;

/// <summary>Amplitude spectra: every bin but DC on <see cref="Scale"/>, one feature each.</summary>
/// <param name="Bins">Bins per spectrum, DC included.</param>
/// <param name="BinHz">Bin spacing (Hz).</param>
/// <param name="Scale">How amplitudes become features; <see cref="LogAmplitude"/> is the only one <see cref="FeatureTransform"/> makes.</param>
public sealed record SpectrumFeatureConfiguration(int Bins, double BinHz, string Scale = SpectrumFeatureConfiguration.LogAmplitude)
    : FeatureConfiguration
{
    /// <summary>ln(amplitude + 10⁻³) of bins 1 … Bins − 1.</summary>
    public const string LogAmplitude = "ln(a+0.001), DC dropped";

    public override FrameKind Kind => FrameKind.Spectrum;

    public override int FeatureCount => Bins - 1;

    public override string ToJson() => string.Create(CultureInfo.InvariantCulture,
        $"{{\"kind\":\"spectrum\",\"bins\":{Bins},\"binHz\":{BinHz},\"scale\":\"{JsonEncodedText.Encode(Scale, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\"}}");

    private protected override string? MismatchWithSameKind(FeatureConfiguration trained)
    {
        var model = (SpectrumFeatureConfiguration)trained;
        if (model.Bins != Bins) return $"The model expects spectra of {model.Bins} bins; the sensor delivers {Bins}.";
        if (model.BinHz != BinHz) return $"The model expects bins of {model.BinHz} Hz; the sensor delivers {BinHz} Hz.";
        if (model.Scale != Scale) return $"The model expects spectra scaled as {model.Scale}; these are scaled as {Scale}.";
        return null;
    }
}
