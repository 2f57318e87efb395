using SensorOdl.Daemon.Pipeline;

namespace SensorOdl.Daemon.Tests;

public sealed class DaemonStatusTests
{
    [Fact]
    public void A_new_model_version_is_a_change_even_when_the_state_stays_the_same()
    {
        var status = new DaemonStatus("d", "simulated");
        status.Started();
        int changes = 0;
        status.Changed += () => changes++;

        status.SetModel(new ModelInfo(2, "id2", "skip2-lora-q4", 0), 1f);
        Assert.Equal(1, changes); // the retained model topic must follow a promotion or a rollback at once
        status.SetScore(0.5f, false);
        Assert.Equal(1, changes); // a score alone is not a change
        status.SetPaused(true);
        Assert.Equal(2, changes);
    }
}
