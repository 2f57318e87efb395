using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Drivers.Tests.Features;

public class FeatureConfigurationTests
{
    // what models trained before the typed configuration carry (the daemon built these strings by interpolation)
    private const string LegacyWaveform = """{"kind":"waveform","channels":1,"sampleRateHz":12000,"windowSize":1024,"bands":16,"minHz":10,"maxHz":6000}""";
    private const string LegacySpectrum = """{"kind":"spectrum","bins":512,"binHz":1,"scale":"ln(a+0.001), DC dropped"}""";

    [Fact]
    public void Configuration_of_the_simulated_machine_and_the_fan_spectra_is_the_legacy_text_byte_for_byte()
    {
        var waveform = new FeatureTransform(SensorFormat.Waveform(1024, 12_000, ["accel"], ["g"], 16)).Configuration;
        var spectrum = new FeatureTransform(SensorFormat.Spectrum(512, 1.0, 2.047)).Configuration;

        Assert.Equal(LegacyWaveform, waveform.ToJson());
        Assert.Equal(LegacySpectrum, spectrum.ToJson());
        Assert.Equal(LegacySpectrum, spectrum.ToString());
    }

    [Fact]
    public void Configuration_parses_the_legacy_text()
    {
        var waveform = Assert.IsType<WaveformFeatureConfiguration>(FeatureConfiguration.Parse(LegacyWaveform));
        var spectrum = Assert.IsType<SpectrumFeatureConfiguration>(FeatureConfiguration.Parse(LegacySpectrum));

        Assert.Equal(new WaveformFeatureConfiguration(1, 12_000, 1024, 16, 10, 6000), waveform);
        Assert.Equal(21, waveform.FeatureCount);
        Assert.Equal(new SpectrumFeatureConfiguration(512, 1.0), spectrum);
        Assert.Equal(SpectrumFeatureConfiguration.LogAmplitude, spectrum.Scale);
        Assert.Equal(511, spectrum.FeatureCount);
    }

    [Theory]
    [InlineData(3, 3200.0, 1024, 1600.0)]
    [InlineData(2, 860.0, 256, 430.0)]
    [InlineData(1, 4000.0 / 3, 512, 2000.0 / 3)]
    public void Waveform_configuration_round_trips_through_its_text(int channels, double rateHz, int window, double maxHz)
    {
        var configuration = new WaveformFeatureConfiguration(channels, rateHz, window, 16, 10, maxHz);

        var again = FeatureConfiguration.Parse(configuration.ToJson());

        Assert.Equal(configuration, again);
        Assert.Equal(configuration.ToJson(), again.ToJson());
    }

    [Theory]
    [InlineData(512, 1.0)]
    [InlineData(1025, 0.1)]
    [InlineData(64, 23.4375)]
    public void Spectrum_configuration_round_trips_through_its_text(int bins, double binHz)
    {
        var configuration = new SpectrumFeatureConfiguration(bins, binHz);

        var again = FeatureConfiguration.Parse(configuration.ToJson());

        Assert.Equal(configuration, again);
        Assert.Equal(configuration.ToJson(), again.ToJson());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"kind":"image","width":28}""")]
    [InlineData("""{"channels":1}""")]
    [InlineData("""{"kind":"waveform","channels":1,"sampleRateHz":12000,"windowSize":1024,"bands":16,"minHz":10}""")]
    [InlineData("""{"kind":"waveform","channels":"one","sampleRateHz":12000,"windowSize":1024,"bands":16,"minHz":10,"maxHz":6000}""")]
    [InlineData("""{"kind":"spectrum","bins":0,"binHz":1,"scale":"ln(a+0.001), DC dropped"}""")]
    public void Configuration_refuses_junk_with_a_format_error_quoting_it(string junk)
    {
        var e = Assert.Throws<FormatException>(() => FeatureConfiguration.Parse(junk));
        Assert.StartsWith($"The feature configuration '{junk}' cannot be read: ", e.Message);
        Assert.EndsWith(".", e.Message);
    }

    [Fact]
    public void Configurations_that_agree_have_no_mismatch()
    {
        Assert.Null(FeatureConfiguration.Parse(LegacyWaveform).MismatchWith(FeatureConfiguration.Parse(LegacyWaveform)));
        Assert.Null(FeatureConfiguration.Parse(LegacySpectrum).MismatchWith(FeatureConfiguration.Parse(LegacySpectrum)));
    }

    [Fact]
    public void Mismatch_names_the_first_difference_in_one_sentence()
    {
        var trained = new WaveformFeatureConfiguration(1, 12_000, 1024, 16, 10, 6000);
        string? Mismatch(FeatureConfiguration sensor) => sensor.MismatchWith(trained);

        Assert.Equal("The model expects waveform windows; the sensor delivers spectra.", Mismatch(new SpectrumFeatureConfiguration(512, 1)));
        Assert.Equal("The model expects 1 channel(s); the sensor delivers 3.", Mismatch(trained with { Channels = 3, SampleRateHz = 3200 }));
        Assert.Equal("The model expects 12000 Hz; the sensor delivers 3200 Hz.", Mismatch(trained with { SampleRateHz = 3200, MaxHz = 1600 }));
        Assert.Equal("The model expects windows of 1024 samples; the sensor delivers 2048.", Mismatch(trained with { WindowSize = 2048 }));
        Assert.Equal("The model expects 16 bands from 10 to 6000 Hz; the sensor is configured for 8 from 10 to 6000 Hz.", Mismatch(trained with { Bands = 8 }));

        var spectra = new SpectrumFeatureConfiguration(512, 1);
        Assert.Equal("The model expects spectra; the sensor delivers waveform windows.", trained.MismatchWith(spectra));
        Assert.Equal("The model expects spectra of 512 bins; the sensor delivers 256.", new SpectrumFeatureConfiguration(256, 1).MismatchWith(spectra));
        Assert.Equal("The model expects bins of 1 Hz; the sensor delivers 2 Hz.", new SpectrumFeatureConfiguration(512, 2).MismatchWith(spectra));
        Assert.Equal("The model expects spectra scaled as ln(a+0.001), DC dropped; these are scaled as dB.", new SpectrumFeatureConfiguration(512, 1, "dB").MismatchWith(spectra));
    }

    [Fact]
    public void Mismatch_with_stored_text_parses_it_and_names_unreadable_text()
    {
        var sensor = FeatureConfiguration.Parse(LegacyWaveform);

        Assert.Null(sensor.MismatchWith(LegacyWaveform));
        Assert.Equal("The model expects spectra; the sensor delivers waveform windows.", sensor.MismatchWith(LegacySpectrum));
        Assert.Equal("The feature configuration '' cannot be read: it is not JSON.", sensor.MismatchWith(""));
    }
}
