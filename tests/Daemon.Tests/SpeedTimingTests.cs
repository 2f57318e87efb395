using SensorOdl.Daemon.Evaluation;

namespace SensorOdl.Daemon.Tests;

/// <summary>How many fits of each side `adapt-eval --matrix` times a job with (<see cref="AdaptBaselines.FitSeconds"/>).</summary>
public sealed class SpeedTimingTests
{
    static int Fits(int repeats, double fullSeconds, double minimumSeconds)
    {
        int fits = 1;
        for (double total = fullSeconds; AdaptBaselines.MoreFits(fits, repeats, total, minimumSeconds); fits++) total += fullSeconds;
        return fits;
    }

    [Theory]
    [InlineData(3, 0.25, 0, 3)]   // --timing-seconds 0: the repeats alone
    [InlineData(3, 0.25, 1, 4)]   // a 250 ms full retrain: four, for a second of them
    [InlineData(3, 0.09, 1, 12)]  // a first job's 90 ms: twelve
    [InlineData(3, 2.0, 1, 3)]    // a long fit: never fewer than the repeats
    [InlineData(1, 0.003, 1, AdaptBaselines.MaxTimingRepeats)] // the simulated machine's 3 ms: capped
    public void Short_fits_are_repeated_until_the_full_retrains_have_run_the_minimum(int repeats, double fullSeconds, double minimumSeconds, int expected) =>
        Assert.Equal(expected, Fits(repeats, fullSeconds, minimumSeconds));
}
