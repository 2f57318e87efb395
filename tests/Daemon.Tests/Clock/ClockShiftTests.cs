using LiteDB;
using SensorOdl.Daemon.Host;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;

namespace SensorOdl.Daemon.Tests.Clock;

/// <summary>
/// Stored times survive a re-anchored data clock (docs/RELIABILITY.md §4): a board whose wall clock is a year off stores
/// windows and events, NTP moves the wall clock a year while monotonic time runs on, the clock is re-anchored and the
/// state shifted. Then a label span in the corrected time pins exactly the windows it names, and event retention does
/// not take this run's events as a year old. Windows of an earlier run keep their times.
/// </summary>
public sealed class ClockShiftTests : IDisposable
{
    static readonly DateTimeOffset Build = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    static readonly DateTimeOffset RealStart = Build.AddDays(30);
    static readonly TimeSpan Year = TimeSpan.FromDays(365);
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-clockshift-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(-1)] // booted a year behind (no real-time clock), NTP sets it forward
    [InlineData(+1)] // a year ahead (a bad hand-set date), set back
    public async Task Samples_labels_and_event_retention_follow_the_re_anchored_clock(int yearsOff)
    {
        long earlierRunTs = Build.AddDays(10).ToUnixTimeMilliseconds();
        using (StateDatabase earlier = StateDatabase.Open(_dir))
        {
            var store = new SampleStore(earlier, capacity: 1000);
            store.Add([1f, 2f], earlierRunTs);
            await store.FlushAsync();
        }

        using StateDatabase state = StateDatabase.Open(_dir);
        var samples = new SampleStore(state, capacity: 1000);
        var events = new EventLog(state, "t/events", 1000);
        var wall = new JumpingTimeProvider(RealStart + yearsOff * Year);
        var clock = new AnchoredClock(wall, new ClockPlausibility(false, Build, () => true));
        var ids = new List<long>();
        for (int minute = 0; minute < 10; minute++)
        {
            if (minute == 5) await samples.FlushAsync(); // minutes 0–4 on the disk, 5–9 still waiting in memory
            long now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            ids.Add(samples.Add([minute, 0f], now));
            events.Append("anomaly_raised", now);
            wall.Advance(TimeSpan.FromMinutes(1));
        }

        wall.Jump(-yearsOff * Year); // NTP
        ClockAdjustment adjusted = clock.Check() ?? throw new InvalidOperationException("no re-anchoring");
        Assert.Equal(-yearsOff * Year, adjusted.Offset);
        await ClockShift.ApplyAsync(adjusted, samples, events, adaptation: null);

        // The operator names minutes 3 to 6 after the start in real (synced) time.
        int labelled = await samples.LabelAsync((RealStart + TimeSpan.FromMinutes(3)).ToUnixTimeMilliseconds(),
            (RealStart + TimeSpan.FromMinutes(6)).ToUnixTimeMilliseconds(), "fault");
        Assert.Equal(4, labelled);
        Assert.Equal(ids[3..7], samples.Labelled("fault").Select(s => s.Id).Order());
        Assert.Equal(RealStart.ToUnixTimeMilliseconds(), samples.Newest(100).Single(s => s.Id == ids[0]).Ts);
        Assert.Equal(earlierRunTs, samples.Newest(100).Single(s => s.Id < ids[0]).Ts); // another run, another anchor: untouched

        await events.PruneAsync(retentionDays: 30, clock.GetUtcNow().ToUnixTimeMilliseconds());
        List<EventRecord> kept = state.Database.GetCollection<EventRecord>("events").FindAll().ToList();
        Assert.Equal(10, kept.Count);
        Assert.All(kept, e => Assert.InRange(e.Ts, RealStart.ToUnixTimeMilliseconds(), (RealStart + TimeSpan.FromMinutes(10)).ToUnixTimeMilliseconds()));
    }
}
