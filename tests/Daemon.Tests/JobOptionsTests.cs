using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// A job's fit and adapt-eval's baselines read their options from the settings in one place: every adaptation setting
/// changed from its default must reach the options, or a baseline would fit with a default the daemon does not use.
/// </summary>
public sealed class JobOptionsTests
{
    const string Spectrum = "{\"kind\":\"spectrum\",\"bins\":512,\"binHz\":1,\"scale\":\"ln(a+0.001), DC dropped\"}";

    [Fact]
    public void Every_adaptation_setting_reaches_the_fit_options()
    {
        var settings = new DaemonSettings
        {
            Anomaly = new() { FalseAlarmBudget = 0.03 },
            Adaptation = new()
            {
                Rank = 7, LearningRate = 0.005, BatchSize = 9, Seed = 42, MinFaultRecall = 0.8, MaxProbeRecallDrop = 0.3,
                Rehearsal = 0.25, Denoise = 0.75, ProbeBar = ProbeBar.Room, ThresholdConfidence = 0.75, Validation = ValidationChoice.Later,
            },
            Learning = new() { Threads = 2 },
        };

        AdaptationOptions options = JobOptions.For(settings, "skip2-lora", epochs: 11, Spectrum);

        Assert.Equal("skip2-lora", options.Method);
        Assert.Equal(7, options.Rank);
        Assert.Equal(0.03, options.FalseAlarmBudget);
        Assert.Equal(0.8, options.MinFaultRecall);
        Assert.Equal(0.3, options.MaxProbeRecallDrop);
        Assert.Equal(0.25, options.Rehearsal);
        Assert.Equal(0.75, options.Denoise);
        Assert.Equal(ProbeBar.Room, options.ProbeBar);
        Assert.Equal(0.75, options.ThresholdConfidence);
        Assert.Equal(Validation.Later, options.Validation);
        Assert.Equal(42, options.Seed);
        Assert.Equal(2, options.Threads);
        Assert.Equal(11, options.Training.Epochs);
        Assert.Equal(0.005f, options.Training.LearningRate);
        Assert.Equal(9, options.Training.BatchSize);
    }

    [Fact]
    public void Defaults_give_the_library_defaults()
    {
        AdaptationOptions options = JobOptions.For(new DaemonSettings(), AdaptationOptions.DefaultMethod, AdaptationOptions.DefaultEpochs, Spectrum);

        Assert.Equal(AdaptationOptions.Defaults, options with { Training = AdaptationOptions.Defaults.Training });
        Assert.Equal(AdaptationOptions.Defaults.Training, options.Training);
    }
}
