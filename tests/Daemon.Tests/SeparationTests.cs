using SensorOdl.Daemon.Evaluation;

namespace SensorOdl.Daemon.Tests;

/// <summary>The matrix's threshold-free columns: AUC and recall at a given share of false alarms.</summary>
public sealed class SeparationTests
{
    [Fact]
    public void Auc_counts_the_pairs_a_fault_outscores_with_ties_as_half()
    {
        float[] normal = [0.1f, 0.2f, 0.3f, 0.4f];
        Assert.Equal(1.0, Separation.Auc(normal, [0.5f, 0.9f]));
        Assert.Equal(0.0, Separation.Auc(normal, [0.05f]));
        // 0.3 beats 0.1 and 0.2, ties 0.3, loses to 0.4: (2 + ½) / 4
        Assert.Equal(2.5 / 4, Separation.Auc(normal, [0.3f]), 12);
        Assert.Equal((2.5 / 4 + 1) / 2, Separation.Auc(normal, [0.3f, 1f]), 12);
        Assert.True(double.IsNaN(Separation.Auc([], [1f])));
    }

    [Fact]
    public void Recall_at_false_alarms_thresholds_at_the_normal_score_that_lets_that_share_through()
    {
        float[] normal = [.. Enumerable.Range(1, 100).Select(i => i / 100f)]; // 0.01 … 1.00
        float[] faults = [0.985f, 0.975f, 0.965f, 0.5f];
        // 1 %: one normal window (1.00) may pass → threshold 0.99: no fault above it
        Assert.Equal(0.0, Separation.RecallAtFalseAlarms(normal, faults, 0.01));
        // 3 %: threshold 0.97 → 0.985 and 0.975
        Assert.Equal(0.5, Separation.RecallAtFalseAlarms(normal, faults, 0.03));
        // none allowed: the largest normal score is the threshold
        Assert.Equal(0.0, Separation.RecallAtFalseAlarms(normal, [1f], 0));
        Assert.Equal(1.0, Separation.RecallAtFalseAlarms(normal, [1.01f], 0));
        // 0.7 % of 100 windows rounds down to none
        Assert.Equal(0.0, Separation.RecallAtFalseAlarms(normal, faults, 0.007));
    }
}
