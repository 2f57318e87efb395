using System.Text.Json.Nodes;
using SensorOdl.Daemon.Host;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Tests.Clock;

/// <summary>The data clock of a live sensor against a wall clock that jumps a year either way while monotonic time runs on.</summary>
public sealed class AnchoredClockTests
{
    static readonly DateTimeOffset Build = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    static readonly TimeSpan Year = TimeSpan.FromDays(365);

    static ClockPlausibility Plausibility(bool trust = false, bool flag = false) => new(trust, Build, () => flag);

    [Fact]
    public void A_board_booting_a_year_behind_keeps_a_continuous_clock_until_the_jump_is_plausible_then_re_anchors_once()
    {
        var wall = new JumpingTimeProvider(Build - Year - TimeSpan.FromDays(30)); // implausible: before build − 1 year
        var clock = new AnchoredClock(wall, Plausibility());
        DateTimeOffset start = clock.GetUtcNow();
        long t0 = clock.GetTimestamp();
        Assert.False(clock.Synced);

        wall.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(clock.Check()); // still implausible: nothing to follow
        wall.Jump(Year); // NTP
        Assert.Equal(start + TimeSpan.FromMinutes(10), clock.GetUtcNow()); // the jump is not seen before the check
        Assert.Equal(TimeSpan.FromMinutes(10), clock.GetElapsedTime(t0));

        ClockAdjustment? adjusted = clock.Check();

        Assert.NotNull(adjusted);
        Assert.Equal(Year, adjusted.Offset);
        Assert.Equal(start + TimeSpan.FromMinutes(10), adjusted.From);
        Assert.True(clock.Synced);
        Assert.Equal(wall.GetUtcNow(), clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromMinutes(10), clock.GetElapsedTime(t0)); // intervals never saw the year
        wall.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(clock.Check()); // once only
        Assert.Equal(wall.GetUtcNow(), clock.GetUtcNow());
    }

    [Fact]
    public void A_synced_clock_set_back_a_year_re_anchors_backwards_and_intervals_run_on()
    {
        var wall = new JumpingTimeProvider(Build + Year);
        var clock = new AnchoredClock(wall, Plausibility(flag: true));
        Assert.True(clock.Synced);
        long t0 = clock.GetTimestamp();

        wall.Advance(TimeSpan.FromSeconds(30));
        wall.Jump(-Year);
        DateTimeOffset before = clock.GetUtcNow();
        Assert.Equal(Build + Year + TimeSpan.FromSeconds(30), before);

        ClockAdjustment? adjusted = clock.Check();

        Assert.Equal(-Year, adjusted!.Offset);
        Assert.Equal(Build + TimeSpan.FromSeconds(30), clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromSeconds(30), clock.GetElapsedTime(t0));
    }

    [Fact]
    public void A_jump_to_an_implausible_time_is_not_followed()
    {
        var wall = new JumpingTimeProvider(Build);
        var clock = new AnchoredClock(wall, Plausibility());
        wall.Advance(TimeSpan.FromHours(1));
        wall.Jump(-2 * Year); // a flat RTC battery, a bad manual date

        Assert.Null(clock.Check());
        Assert.Equal(Build + TimeSpan.FromHours(1), clock.GetUtcNow());
        Assert.True(clock.Synced);
    }

    [Fact]
    public void Small_differences_are_not_adjustments()
    {
        var wall = new JumpingTimeProvider(Build);
        var clock = new AnchoredClock(wall, Plausibility());
        wall.Jump(AnchoredClock.Tolerance);
        Assert.Null(clock.Check());
        wall.Jump(TimeSpan.FromMilliseconds(1));
        Assert.NotNull(clock.Check());
    }

    [Fact]
    public void Trusting_the_local_clock_or_the_timesync_flag_makes_any_time_plausible()
    {
        DateTimeOffset ancient = DateTimeOffset.UnixEpoch;
        Assert.False(new AnchoredClock(new JumpingTimeProvider(ancient), Plausibility()).Synced);
        Assert.True(new AnchoredClock(new JumpingTimeProvider(ancient), Plausibility(trust: true)).Synced);
        Assert.True(new AnchoredClock(new JumpingTimeProvider(ancient), Plausibility(flag: true)).Synced);
        Assert.False(new ClockPlausibility(false, Build, () => throw new IOException("no /run")).IsPlausible(ancient));
    }

    [Fact]
    public void The_daemon_knows_its_build_date()
    {
        Assert.True(ClockPlausibility.BuildDate > new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.True(ClockPlausibility.BuildDate <= DateTimeOffset.UtcNow.AddDays(1));
    }

    [Fact]
    public void Events_are_marked_unsynchronised_until_the_clock_is_plausible()
    {
        string dir = Directory.CreateTempSubdirectory("sensorodl-clock-").FullName;
        try
        {
            using (StateDatabase state = StateDatabase.Open(dir))
            {
                var wall = new JumpingTimeProvider(Build - 2 * Year);
                var clock = new AnchoredClock(wall, Plausibility());
                var echoed = new List<JsonObject?>();
                var sink = new EventLogSink(new EventLog(state, "t/events", 100), (_, fields) => echoed.Add(fields?.DeepClone().AsObject()), () => clock.Synced);

                sink.Emit("sensor_fault", clock.GetUtcNow().ToUnixTimeMilliseconds(), new JsonObject { ["kind"] = "adxl345" });
                wall.Jump(2 * Year);
                clock.Check();
                sink.Emit("sensor_recovered", clock.GetUtcNow().ToUnixTimeMilliseconds(), new JsonObject { ["kind"] = "adxl345" });

                Assert.False((bool)echoed[0]!["clockSynced"]!);
                Assert.False(echoed[1]!.ContainsKey("clockSynced"));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
