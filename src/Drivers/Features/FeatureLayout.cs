namespace SensorOdl.Drivers.Features;

/// <summary>Where each feature sits in the vector: <c>[band_0 … band_{B-1}, rms, peak, crest, kurtosis, dominantHz]</c>.</summary>
public sealed class FeatureLayout
{
    public const int ScalarCount = 5;

    public FeatureLayout(int bandCount)
    {
        BandCount = bandCount;
        var names = new string[bandCount + ScalarCount];
        for (int b = 0; b < bandCount; b++) names[b] = $"band_{b}";
        names[Rms] = "rms";
        names[Peak] = "peak";
        names[Crest] = "crest";
        names[Kurtosis] = "kurtosis";
        names[DominantHz] = "dominantHz";
        Names = names;
    }

    public int BandCount { get; }
    public int Count => BandCount + ScalarCount;
    public int Rms => BandCount;
    public int Peak => BandCount + 1;
    public int Crest => BandCount + 2;
    public int Kurtosis => BandCount + 3;
    public int DominantHz => BandCount + 4;
    public IReadOnlyList<string> Names { get; }
}
