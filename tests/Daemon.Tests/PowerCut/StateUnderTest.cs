using SensorOdl.Daemon.Storage;
using SensorOdl.Daemon.Storage.Durability;

namespace SensorOdl.Daemon.Tests.PowerCut;

/// <summary>The daemon's state code as the daemon opens it (DaemonRuntime, PipelineStores), on a given file layer.</summary>
sealed class StateUnderTest : IDisposable
{
    public const string Directory = "/powercut/state";
    public const string EventTopic = "sensorodl/powercut/events";
    public const int KeepVersions = 4, SampleCapacity = 300;
    public const long Now = 1_750_000_000_000;

    public StateUnderTest(IStorageFiles files)
    {
        State = StateDatabase.Open(Directory, files);
        // The marks as the state was opened, before the registry and the event log bring a format-1 state's up to date.
        MarksAtOpen = State.Marks.Current;
        Registry = new ModelRegistry(State, Directory, KeepVersions);
        Samples = new SampleStore(State, SampleCapacity);
        Events = new EventLog(State, EventTopic, queueLimit: 100_000);
        Seen = new SeenCommands(State, Now);
        Cache = new LiteDbForwardCacheStore(State);
    }

    public StateDatabase State { get; }
    public MarksDocument MarksAtOpen { get; }
    public ModelRegistry Registry { get; }
    public SampleStore Samples { get; }
    public EventLog Events { get; }
    public SeenCommands Seen { get; }
    public LiteDbForwardCacheStore Cache { get; }

    public void Dispose() => State.Dispose();
}
