using SensorOdl.Daemon.Configuration;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Layers;

namespace SensorOdl.Daemon.Tests;

/// <summary>Anomaly:Hidden shapes the base the daemon trains; its adapted versions and a restart keep that shape.</summary>
public sealed class HiddenLayersSettingTests : IDisposable
{
    readonly string _state = Directory.CreateTempSubdirectory("sensorodl-hidden-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    static int[] Widths(AnomalyModel model) => [.. model.Base.Layers.OfType<Dense>().Select(layer => layer.OutputSize)];

    [Fact]
    public void A_base_trained_with_set_hidden_layers_has_them_and_adapts_and_reloads_with_them()
    {
        var settings = new DaemonSettings
        {
            Anomaly = new() { Hidden = [16, 6] },
            Storage = new() { SampleIntervalSeconds = 0 },
        };
        var rig = SimulatedPipeline.Start(_state, settings, seed: 5, trainingWindows: 300);
        int features = rig.Pipeline.Model.Current.Model.InputSize;
        Assert.Equal([16, 6, features], Widths(rig.Pipeline.Model.Current.Model));

        rig.Remount();
        rig.Stream(400);
        Assert.Equal(2, rig.Pipeline.Model.Current.Info.Version);
        Assert.Equal([16, 6, features], Widths(rig.Pipeline.Model.Current.Model));

        using SimulatedPipeline restarted = rig.Restart();
        Assert.Equal(2, restarted.Pipeline.Model.Current.Info.Version);
        Assert.Equal([16, 6, features], Widths(restarted.Pipeline.Model.Current.Model));
    }

    [Fact]
    public void Unset_hidden_layers_are_derived_from_the_number_of_features()
    {
        using var rig = SimulatedPipeline.Start(_state, new DaemonSettings(), seed: 5, trainingWindows: 64);
        int features = rig.Pipeline.Model.Current.Model.InputSize;
        Assert.Equal([.. new AnomalyTrainingOptions().HiddenFor(features), features], Widths(rig.Pipeline.Model.Current.Model));
    }
}
