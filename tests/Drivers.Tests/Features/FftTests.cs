using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Features;

public class FftTests
{
    [Theory]
    [InlineData(37)]
    [InlineData(100)]
    [InlineData(480)]
    public void FFT_peak_of_a_pure_tone_is_in_its_bin(int bin)
    {
        const double fs = 12_000;
        var extractor = new FeatureExtractor(new FeatureSettings(fs, WindowSize: 1024));
        double hz = bin * fs / 1024;
        var features = new float[extractor.FeatureCount];

        var flags = extractor.Extract(Signals.Sine(1024, fs, hz, amplitude: 0.8), features);

        Assert.Equal(WindowFlags.None, flags);
        Assert.Equal(bin, extractor.DominantBin);
        Assert.Equal(hz, features[extractor.Layout.DominantHz], 0.01 * fs / 1024);
        Assert.Equal(0.8, extractor.Amplitudes[bin], 3); // Hann coherent gain corrected
        Assert.True(extractor.Amplitudes[bin + 3] < 1e-3);
    }

    [Fact]
    public void FFT_dominant_frequency_interpolates_between_bins()
    {
        const double fs = 1024;
        var extractor = new FeatureExtractor(new FeatureSettings(fs));
        var features = new float[extractor.FeatureCount];

        extractor.Extract(Signals.Sine(1024, fs, 100.3), features);

        Assert.Equal(100, extractor.DominantBin);
        Assert.Equal(100.3, features[extractor.Layout.DominantHz], 0.1);
    }

    [Fact]
    public void FFT_agrees_with_FftSharp()
    {
        var x = Signals.GaussianNoise(512, 1, seed: 3);
        var re = (float[])x.Clone();
        var im = new float[512];
        new Fft(512).Forward(re, im);

        var reference = x.Select(v => new System.Numerics.Complex(v, 0)).ToArray();
        FftSharp.FFT.Forward(reference);

        for (int k = 0; k < 512; k++)
        {
            Assert.Equal(reference[k].Real, re[k], 2e-3);
            Assert.Equal(reference[k].Imaginary, im[k], 2e-3);
        }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(1024)]
    public void FFT_of_real_input_matches_the_complex_FFT(int n)
    {
        var x = Signals.GaussianNoise(n, 1, seed: n);
        var re = (float[])x.Clone();
        var im = new float[n];
        new Fft(n).Forward(re, im);
        var realRe = new float[n / 2 + 1];
        var realIm = new float[n / 2 + 1];

        new RealFft(n).Forward(x, realRe, realIm);

        for (int k = 0; k <= n / 2; k++)
        {
            Assert.Equal(re[k], realRe[k], 1e-3 * Math.Sqrt(n));
            Assert.Equal(im[k], realIm[k], 1e-3 * Math.Sqrt(n));
        }
    }

    [Fact]
    public void FFT_band_powers_add_up_to_the_variance_of_white_noise()
    {
        const double fs = 8192;
        var settings = new FeatureSettings(fs, WindowSize: 1024, BandCount: 12, MinHz: 8);
        var extractor = new FeatureExtractor(settings);
        var features = new float[extractor.FeatureCount];
        double total = 0;
        const int windows = 50;
        var noise = Signals.GaussianNoise(1024 * windows, 0.3, seed: 11);
        for (int w = 0; w < windows; w++)
        {
            extractor.Extract(noise.AsSpan(w * 1024, 1024), features);
            for (int b = 0; b < settings.BandCount; b++) total += Math.Pow(10, features[b]);
        }
        Assert.InRange(total / windows, 0.09 * 0.93, 0.09 * 1.05); // variance 0.09, less the part below 8 Hz
    }

    [Fact]
    public void FFT_loudest_band_holds_the_tone()
    {
        const double fs = 12_000;
        var extractor = new FeatureExtractor(new FeatureSettings(fs, BandCount: 10, MinHz: 20));
        var features = new float[extractor.FeatureCount];
        var x = Signals.Sine(1024, fs, 1500);
        var noise = Signals.GaussianNoise(1024, 0.01, seed: 1);
        for (int i = 0; i < x.Length; i++) x[i] += noise[i];

        extractor.Extract(x, features);

        int loudest = 0;
        for (int b = 1; b < 10; b++) if (features[b] > features[loudest]) loudest = b;
        Assert.InRange(1500, extractor.Bands.LowerEdgesHz[loudest], extractor.Bands.UpperEdgesHz[loudest]);
        Assert.Equal(Math.Log10(0.5), features[loudest], 0.05); // a unit sine carries power 1/2
    }

    [Fact]
    public void FFT_log_bands_are_log_spaced_and_never_empty()
    {
        var bands = new LogBands(16, 10, 6000, 12_000.0 / 1024, 513);
        for (int b = 0; b < 16; b++)
        {
            var (first, end) = bands.Bins(b);
            Assert.True(end > first);
            Assert.Equal(Math.Pow(600, 1.0 / 16), bands.UpperEdgesHz[b] / bands.LowerEdgesHz[b], 6);
        }
        Assert.Equal(513, bands.Bins(15).End);
    }
}
