using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Drivers.Sensors;

namespace SensorOdl.Daemon.Host;

/// <summary>
/// The daemon's sensor thread: reads windows and hands each to the pipeline. A sensor that stops answering is reported once
/// (`sensor_fault`, status `degraded`) and its return once (`sensor_recovered`), however many reconnection attempts lie
/// between. <see cref="Iterations"/> is the watchdog's progress: every return from a read counts (a window, a failed read,
/// a slice of back-off, which <see cref="ISensor.Read"/> keeps short), so a daemon waiting for a cable stays alive and only a
/// read or a pipeline that hangs stops the count.
/// </summary>
public sealed class SensorLoop(ISensor sensor, Action<SensorFrame> process, IEventSink events, DaemonStatus status, TimeProvider time, ILogger log)
{
    long _iterations;
    long _lastDataBits; // the last window's data-clock time, as double bits: read by the command thread, torn-free on 32-bit ARM

    /// <summary>Reads that returned, whatever their result.</summary>
    public long Iterations => Interlocked.Read(ref _iterations);

    /// <summary>The data-clock time of the last window handed to the pipeline (0 before the first).</summary>
    public double LastDataS => BitConverter.Int64BitsToDouble(Interlocked.Read(ref _lastDataBits));

    /// <summary>Runs until <paramref name="stopping"/> is cancelled or a replay ends.</summary>
    public void Run(CancellationToken stopping)
    {
        SensorFrame frame = sensor.CreateFrame();
        bool healthy = true;
        while (!stopping.IsCancellationRequested)
        {
            SensorReadResult result;
            try { result = sensor.Read(frame, stopping); }
            catch (OperationCanceledException) { break; }
            Interlocked.Increment(ref _iterations);
            long now = time.GetUtcNow().ToUnixTimeMilliseconds();
            if (result == SensorReadResult.EndOfData)
            {
                log.LogInformation("The replay has ended; scoring stops, the daemon keeps answering commands.");
                status.SetSensor(false, "replay ended");
                IdleUntilStopped(stopping);
                break;
            }
            bool nowHealthy = result == SensorReadResult.Ok;
            if (nowHealthy != healthy)
            {
                healthy = nowHealthy;
                status.SetSensor(healthy, healthy ? null : sensor.Health.Reason);
                events.Emit(healthy ? "sensor_recovered" : "sensor_fault", now, new JsonObject { ["kind"] = sensor.Kind, ["error"] = sensor.Health.Reason });
            }
            if (!nowHealthy) continue;
            Interlocked.Exchange(ref _lastDataBits, BitConverter.DoubleToInt64Bits(frame.TimestampS));
            try { process(frame); }
            catch (Exception e) { log.LogError(e, "Window {Sequence} could not be processed.", frame.Sequence); }
        }
    }

    /// <summary>Nothing more to read, but nothing hung either: keeps counting, once a second, so the watchdog keeps the daemon.</summary>
    void IdleUntilStopped(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try { Task.Delay(TimeSpan.FromSeconds(1), time, stopping).Wait(stopping); }
            catch (OperationCanceledException) { return; }
            Interlocked.Increment(ref _iterations);
        }
    }
}
