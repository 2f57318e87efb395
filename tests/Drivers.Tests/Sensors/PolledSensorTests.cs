using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Sensors;

public class PolledSensorTests
{
    private sealed class ScriptedSource : ISampleSource
    {
        public int Opens;
        public int Reads;
        public bool Present = true;
        public int FailAfterReads = int.MaxValue;

        public string Kind => "scripted";
        public IReadOnlyList<string> ChannelNames { get; } = ["a", "b"];
        public IReadOnlyList<string> Units { get; } = ["V", "V"];
        public double FullScale => 5;

        public void Open(double sampleRateHz)
        {
            if (!Present) throw new IOException("No such device or address");
            Opens++;
        }

        public void ReadSample(Span<float> sample)
        {
            if (!Present || Reads >= FailAfterReads) throw new IOException("Remote I/O error");
            sample[0] = Reads;
            sample[1] = -Reads;
            Reads++;
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void Sensor_samples_at_the_configured_rate_into_windows()
    {
        var pacer = new FakePacer();
        var source = new ScriptedSource();
        using var sensor = new PolledSensor(source, 1000, 100, pacer);
        var frame = sensor.CreateFrame();

        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));

        Assert.True(sensor.Health.IsHealthy);
        Assert.Equal(100, frame.Count);
        Assert.Equal(99, frame.Channel(0)[99]);
        Assert.Equal(-99, frame.Channel(1)[99]);
        Assert.Equal(0.099, pacer.Elapsed.TotalSeconds, 9);
        Assert.Equal(["V", "V"], sensor.Format.Units);
    }

    [Fact]
    public void Sensor_reading_allocates_nothing_per_sample()
    {
        using var sensor = new PolledSensor(new ScriptedSource(), 1000, 256, new FakePacer());
        var frame = sensor.CreateFrame();
        sensor.Read(frame);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) sensor.Read(frame);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Sensor_that_fails_mid_window_reports_why_and_recovers_with_backoff()
    {
        var pacer = new FakePacer();
        var source = new ScriptedSource { FailAfterReads = 150 };
        using var sensor = new PolledSensor(source, 1000, 100, pacer, new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4)));
        var frame = sensor.CreateFrame();

        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
        Assert.Equal(SensorReadResult.Faulted, sensor.Read(frame));
        Assert.Equal(SensorState.Faulted, sensor.Health.State);
        Assert.Contains("Remote I/O error", sensor.Health.Reason);
        Assert.True(frame.Flags.HasFlag(WindowFlags.SensorFault));
        Assert.Equal(50, frame.Count);

        source.Present = false;
        var between = new List<double>();
        var lastAttempt = pacer.Elapsed;
        int attempts = sensor.FailedAttempts;
        while (between.Count < 4)
        {
            var t = pacer.Elapsed;
            Assert.Equal(SensorReadResult.Faulted, sensor.Read(frame));
            Assert.True(pacer.Elapsed - t <= TimeSpan.FromSeconds(1), "a read backs off at most one WaitSlice");
            if (sensor.FailedAttempts == attempts) continue;
            attempts = sensor.FailedAttempts;
            between.Add((pacer.Elapsed - lastAttempt).TotalSeconds);
            lastAttempt = pacer.Elapsed;
        }
        Assert.Equal([1.0, 2.0, 4.0, 4.0], between.Select(s => Math.Round(s, 3)));
        Assert.Contains("could not be opened", sensor.Health.Reason);

        source.Present = true;
        source.FailAfterReads = int.MaxValue;
        var backAt = pacer.Elapsed;
        while (sensor.Read(frame) != SensorReadResult.Ok) Assert.True(pacer.Elapsed - backAt <= TimeSpan.FromSeconds(4), "not retried within the back-off");
        Assert.True(sensor.Health.IsHealthy);
        Assert.Equal(0, sensor.FailedAttempts);
        Assert.Equal(2, source.Opens);
        Assert.Equal(WindowFlags.None, frame.Flags);
    }

    [Fact]
    public void A_long_backoff_is_spent_in_reads_that_each_return_within_the_wait_slice()
    {
        var pacer = new FakePacer();
        var source = new ScriptedSource { Present = false };
        var backoff = new BackoffPolicy(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)) { WaitSlice = TimeSpan.FromSeconds(2) };
        using var sensor = new PolledSensor(source, 1000, 100, pacer, backoff);
        var frame = sensor.CreateFrame();

        Assert.Equal(SensorReadResult.Faulted, sensor.Read(frame)); // the first attempt, at once
        Assert.Equal(1, sensor.FailedAttempts);
        string? reason = sensor.Health.Reason;
        var returns = new List<double>();
        while (sensor.FailedAttempts == 1)
        {
            var t = pacer.Elapsed;
            Assert.Equal(SensorReadResult.Faulted, sensor.Read(frame));
            returns.Add(Math.Round((pacer.Elapsed - t).TotalSeconds, 3));
            if (sensor.FailedAttempts == 1) Assert.Same(reason, sensor.Health.Reason); // waiting changes nothing
        }
        Assert.Equal(Enumerable.Repeat(2.0, 15), returns);
        Assert.Equal(30, pacer.Elapsed.TotalSeconds, 6);
    }
}
