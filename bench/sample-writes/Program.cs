// Bytes the sample ring writes per hour of data in steady state, in seconds instead of an hour: a real state database
// and SampleStore, a full ring (2,000 windows), then MINUTES minutes of one window a second (21 features and three probe
// vectors, as the simulated waveform machine makes them), a flush every FLUSH windows, and /proc/self/io write_bytes
// over them. The daemon's own measurement is bench/measure-daemon.sh (FILL, RSS_AT); this reads about 1.2-1.8x higher
// (docs/BENCHMARKS.md, "SD-card writes"), so use it to compare layouts and settings, not as the figure. LOOP=S also
// writes the adaptation loop's state every S seconds, as the coordinator does while a refine watch or a probation counts.
//   dotnet run -c Release --project bench/sample-writes -- [FLUSH=300] [MINUTES=60] [PROBES=1] [LOOP=0]
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Storage;

int flushEvery = int.Parse(args.ElementAtOrDefault(0) ?? "300"), minutes = int.Parse(args.ElementAtOrDefault(1) ?? "60");
bool withProbes = (args.ElementAtOrDefault(2) ?? "1") == "1", withLoop = int.TryParse(args.ElementAtOrDefault(3), out int loopEvery) && loopEvery > 0;
const int D = 21, K = 3, Capacity = 2000;
string dir = Directory.CreateTempSubdirectory("sensorodl-sample-writes-").FullName;
var random = new Random(1);
float[] features = new float[D], probes = new float[K * D];
static long WriteBytes() => long.Parse(File.ReadAllLines("/proc/self/io").First(l => l.StartsWith("write_bytes", StringComparison.Ordinal)).Split(':')[1]);
long ts = 0, written;
using (StateDatabase state = StateDatabase.Open(dir))
{
    var store = new SampleStore(state, Capacity);
    var loop = new AdaptationLoopStore(state);
    long counted = 0;
    void Loop() => loop.Save(new AdaptationLoopState
    {
        Version = 3, EpisodeStartS = 1.8e9, Settling = true, SettleTarget = 90, NextAllowedS = 1.8e9 + 600,
        Watch = new StoredWatch(1.8e9, 3, counted, counted, counted / 50),
        Probation = new StoredProbation(3, 2, 1.8e9, counted, counted, counted / 50, counted / 60),
    }, durable: false);
    void Window()
    {
        for (int i = 0; i < D; i++) features[i] = (float)(1 + random.NextDouble());
        for (int i = 0; i < probes.Length; i++) probes[i] = features[i % D] * (random.NextDouble() < 0.3 ? (float)(0.5 + random.NextDouble()) : 1);
        store.Add(features, ts += 1000, withProbes ? probes : default);
    }
    for (int i = 0; i < Capacity + 600; i++) { Window(); if (i % flushEvery == flushEvery - 1) store.Flush(); }
    store.Flush();
    long before = WriteBytes();
    for (int i = 0; i < minutes * 60; i++)
    {
        Window();
        if (i % flushEvery == flushEvery - 1) store.Flush();
        if (withLoop && i % loopEvery == loopEvery - 1) { counted += loopEvery; Loop(); }
    }
    store.Flush();
    state.Write(_ => { }); // the queued writes are committed
    written = WriteBytes() - before;
}
long files = Directory.GetFiles(dir).Sum(f => new FileInfo(f).Length);
Directory.Delete(dir, recursive: true);
Console.WriteLine($"flush every {flushEvery} windows, probes {(withProbes ? "on" : "off")}, loop state {(withLoop ? $"every {loopEvery} s" : "off")}: {written / 1048576.0 * 60 / minutes:F1} MB per hour of data (write_bytes); state files {files / 1024} kB");
