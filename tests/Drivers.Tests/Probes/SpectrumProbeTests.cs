using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Features.Probes;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Tests.Probes;

/// <summary>Where the spectrum probes put their changes, on synthetic spectra with known lines (512 bins of 1 Hz).</summary>
public class SpectrumProbeTests
{
    private const int Bins = 512;
    private const float LogFloor = 1e-3f;
    private static readonly SensorFormat Format = SensorFormat.Spectrum(Bins, 1.0, 2.0);

    [Fact]
    public void Harmonics_raise_exactly_the_lines_at_k_times_the_rotation_rate()
    {
        var spectrum = Comb(rotationHz: 30, lineAmplitude: 0.3f);
        var (original, rows, probes) = Probe(spectrum);
        double f0 = probes.LastRotationHz;
        Assert.Equal(30, f0, 0.15);

        var harmonics = Row(rows, probes, FaultProbeKind.Harmonics);
        var expected = new HashSet<int>();
        for (int k = 1; k <= 20; k++)
            for (int b = (int)Math.Round(k * f0) - 2; b <= (int)Math.Round(k * f0) + 2; b++)
                if (b >= 1 && b < Bins) expected.Add(b);
        for (int b = 1; b < Bins; b++)
        {
            if (expected.Contains(b))
                Assert.Equal(MathF.Log(7 * spectrum[b] + LogFloor), harmonics[b - 1], 4);
            else
                Assert.Equal(original[b - 1], harmonics[b - 1]);
        }
        for (int k = 1; k * 30 < Bins; k++) Assert.Contains(30 * k, expected); // every true line was hit
    }

    [Fact]
    public void Sidebands_add_lines_at_the_strongest_line_plus_and_minus_multiples_of_the_rotation_rate()
    {
        var spectrum = Comb(rotationHz: 30, lineAmplitude: 0.2f);
        spectrum[200] = 0.8f; // the carrier, between harmonics
        var (_, rows, probes) = Probe(spectrum);
        Assert.Equal(200, probes.LastDominantHz);
        Assert.Equal(30, probes.LastRotationHz, 0.15);

        var sidebands = Row(rows, probes, FaultProbeKind.Sidebands);
        foreach (int centre in new[] { 140, 170, 230, 260 })
            for (int b = centre - 2; b <= centre + 2; b++)
                Assert.Equal(spectrum[b] + 0.5f * 0.8f, MathF.Exp(sidebands[b - 1]) - LogFloor, 4);
        Assert.Equal(MathF.Log(spectrum[200] + LogFloor), sidebands[199]); // the carrier itself stays
    }

    [Fact]
    public void Broadband_doubles_every_bin_from_100_Hz_and_leaves_the_rest()
    {
        var spectrum = Comb(rotationHz: 30, lineAmplitude: 0.3f);
        var (original, rows, probes) = Probe(spectrum);

        var broadband = Row(rows, probes, FaultProbeKind.Broadband);
        for (int b = 1; b < Bins; b++)
        {
            if (b < 100) Assert.Equal(original[b - 1], broadband[b - 1]);
            else Assert.Equal(MathF.Log(2 * spectrum[b] + LogFloor), broadband[b - 1], 4);
        }
    }

    [Fact]
    public void A_saturated_spectrum_is_never_pushed_past_its_clip_level_and_an_unsaturated_one_can_grow()
    {
        var saturated = Comb(rotationHz: 30, lineAmplitude: 0.3f);
        saturated[60] = saturated[120] = saturated[240] = 1f; // clipped lines, as in the fan data
        var (_, rows, probes) = Probe(saturated);
        Assert.All(rows.Take(probes.Count * probes.Size), v => Assert.True(v <= MathF.Log(1f + LogFloor) + 1e-6f));

        var free = Comb(rotationHz: 30, lineAmplitude: 0.3f);
        free[240] = 1f; // one largest line: no plateau, no ceiling
        (_, rows, probes) = Probe(free);
        Assert.Equal(MathF.Log(7f + LogFloor), Row(rows, probes, FaultProbeKind.Harmonics)[239], 4);

        (_, rows, probes) = Probe(free, new SpectrumProbeSettings(Ceiling: 0.5));
        Assert.Equal(MathF.Log(1f + LogFloor), Row(rows, probes, FaultProbeKind.Harmonics)[239], 5); // above the ceiling already: kept, not cut
        Assert.Equal(MathF.Log(0.5f + LogFloor), Row(rows, probes, FaultProbeKind.Harmonics)[29], 5); // 0.297 × 7 capped at 0.5
    }

    [Fact]
    public void A_spectrum_too_short_for_the_rotation_range_still_gives_finite_probes()
    {
        var format = SensorFormat.Spectrum(8, 1.0, 2.0);
        var frame = new SensorFrame(format) { Count = 8 };
        float[] bins = [0, 0.2f, 0.5f, 0.1f, float.NaN, 0.3f, 0.05f, 0.4f];
        bins.CopyTo(frame.ChannelBuffer(0));
        var probes = new FaultProbes(format);
        var rows = new float[probes.Count * probes.Size];

        var flags = probes.Make(frame, rows);

        Assert.Equal(WindowFlags.NonFinite, flags);
        Assert.All(rows, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Settings_out_of_range_are_refused_with_their_name()
    {
        var e = Assert.Throws<ArgumentException>(() => new FaultProbes(Format, new FaultProbeSettings(Spectrum: new SpectrumProbeSettings(HarmonicGain: -1))));
        Assert.Contains("HarmonicGain", e.Message);
        e = Assert.Throws<ArgumentException>(() => new FaultProbes(Format, new FaultProbeSettings(Spectrum: new SpectrumProbeSettings(RotationMinHz: 50, RotationMaxHz: 40))));
        Assert.Contains("RotationMinHz", e.Message);
    }

    // bins: [Bins]; a floor of 0.01 … 0.05 (seeded) and lines at every multiple of rotationHz, the k-th of lineAmplitude × (1 − k/100)
    // (distinct heights: equal largest values would read as a saturated plateau)
    private static float[] Comb(double rotationHz, float lineAmplitude)
    {
        var random = new Random(3);
        var a = new float[Bins];
        for (int b = 1; b < Bins; b++) a[b] = 0.01f + 0.04f * (float)random.NextDouble();
        for (int k = 1; k * rotationHz < Bins; k++) a[(int)Math.Round(k * rotationHz)] = lineAmplitude * (1 - k / 100f);
        return a;
    }

    private static (float[] Original, float[] Rows, FaultProbes Probes) Probe(float[] spectrum, SpectrumProbeSettings? settings = null)
    {
        var frame = new SensorFrame(Format) { Count = Bins };
        spectrum.CopyTo(frame.ChannelBuffer(0));
        var probes = new FaultProbes(Format, new FaultProbeSettings(Spectrum: settings));
        var original = new float[probes.Size];
        new FeatureTransform(Format).Extract(frame, original);
        var rows = new float[probes.Count * probes.Size];
        probes.Make(frame, rows);
        return (original, rows, probes);
    }

    private static float[] Row(float[] rows, FaultProbes probes, FaultProbeKind kind)
    {
        int p = probes.Kinds.ToList().IndexOf(kind);
        return rows.AsSpan(p * probes.Size, probes.Size).ToArray();
    }
}
