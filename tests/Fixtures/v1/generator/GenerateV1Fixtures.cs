// The generator of tests/Fixtures/v1, kept verbatim as it ran at commit 2f41aa0 (see tests/Fixtures/v1/README.md).
// It is NOT compiled in its archived place (tests/Fixtures/v1/generator/); v1 is never regenerated.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MQTTnet;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Daemon.Cli;
using SensorOdl.Daemon.Configuration;
using SensorOdl.Daemon.Host;
using SensorOdl.Daemon.Mqtt;
using SensorOdl.Daemon.Pipeline;
using SensorOdl.Daemon.Storage;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Simulation;
using SensorOdl.Learning.Anomaly;
using SensorOdl.Learning.Caches;
using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Models;
using SensorOdl.Learning.Training;

namespace SensorOdl.Daemon.Tests;

/// <summary>Runs only when SENSORODL_WRITE_V1_FIXTURES names an empty output directory.</summary>
public sealed class GenerateV1FixturesFactAttribute : FactAttribute
{
    public GenerateV1FixturesFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("SENSORODL_WRITE_V1_FIXTURES") is not { Length: > 0 })
            Skip = "writes the v1 upgrade fixtures; never regenerate v1 (tests/Fixtures/v1/README.md)";
    }
}

public sealed class GenerateV1Fixtures
{
    public const long StartMs = 1_767_225_600_000; // 2026-01-01T00:00:00Z: every data-clock and wall-clock time below is this plus simulated time
    public const string Device = "fixture-device";
    public const string CommandKey = "v1-fixture-command-key";
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    sealed class FixedClock : ISensorClock
    {
        public TimeSpan Elapsed => TimeSpan.Zero;
        public DateTimeOffset UtcNow => DateTimeOffset.FromUnixTimeMilliseconds(StartMs);
        public void Sleep(TimeSpan duration, CancellationToken cancellationToken) { }
    }

    [GenerateV1FixturesFact]
    public async Task Write_the_v1_fixtures()
    {
        string output = Environment.GetEnvironmentVariable("SENSORODL_WRITE_V1_FIXTURES")!;
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(), "the output directory must be empty: v1 is written once");
        string stateDirectory = Path.Combine(output, "state-dir");
        string modelsDirectory = Path.Combine(output, "model-files");
        var expected = new JsonObject { ["writtenBy"] = "2f41aa0", ["startMs"] = StartMs, ["device"] = Device, ["commandKey"] = CommandKey };

        expected["stateDir"] = await WriteStateDirectory(stateDirectory);
        expected["modelFiles"] = await WriteModelFiles(modelsDirectory);
        File.Delete(Path.Combine(stateDirectory, "sensorodl.lock"));
        File.WriteAllText(Path.Combine(output, "expected.json"), expected.ToJsonString(Indented) + "\n");
    }

    static async Task<JsonObject> WriteStateDirectory(string stateDirectory)
    {
        var settings = new DaemonSettings();
        settings.Device.Id = Device;
        settings.Storage.StateDir = stateDirectory;
        settings.Storage.SampleCapacity = 160;
        settings.Storage.SampleIntervalSeconds = 0.25;
        settings.Adaptation.MinIntervalMinutes = 0; // the retrain command may follow the drift job at once
        settings.Adaptation.Epochs = 20;

        double clock = 0; // simulated seconds since StartMs
        long Now() => StartMs + (long)Math.Round(clock * 1000);
        using var machine = new SimulatedMachineSensor(new SimulationSettings(12_000, settings.Sensor.WindowSize, settings.Sensor.Seed, Speed: 0), new FixedClock());
        var vectorizer = new FeatureVectorizer(machine.Format);
        var topics = new Topics(settings.Mqtt.TopicPrefix, Device);
        var result = new JsonObject();

        using (StateDatabase state = StateDatabase.Open(stateDirectory))
        {
            var registry = new ModelRegistry(state, stateDirectory, settings.Storage.KeepVersions);
            var events = new EventLog(state, topics.Events, settings.Mqtt.QueueLimit);
            var samples = new SampleStore(state, settings.Storage.SampleCapacity);
            var seen = new SeenCommands(state, StartMs);
            var sink = new EventLogSink(events);
            var status = new DaemonStatus(Device, machine.Kind);

            AnomalyModel baseModel = ModelSelection.TrainForSimulation(settings, vectorizer);
            ModelVersionRecord first = registry.AddBase(baseModel, "trained for the simulated machine on first start", ModelSelection.BootstrapWindows);
            sink.Emit("model_promoted", Now(), new JsonObject { ["version"] = first.Version, ["id"] = first.Id, ["method"] = "base", ["reason"] = first.Reason });
            var monitor = new WindowMonitor(settings, vectorizer, baseModel, samples, sink, status) { WallClockMs = Now };
            var cache = new LiteDbForwardCacheStore(state);
            var coordinator = new AdaptationCoordinator(settings, registry, samples, sink, status, cache, monitor) { RunInline = true, WallClockMs = Now };
            var handlers = new CommandHandlers(settings, status, registry, samples, sink, monitor, coordinator, () => StartMs / 1000.0 + clock) { WallClockMs = Now };
            var processor = new CommandProcessor(settings, topics, events, sink, handlers, seen, Encoding.UTF8.GetBytes(CommandKey)) { WallClockMs = Now };
            status.SetModel(new ModelInfo(first.Version, first.Id, first.Method, first.CreatedAt), baseModel.Threshold);
            status.Started();

            SensorFrame frame = machine.CreateFrame();
            void Stream(int windows, Func<bool>? until = null)
            {
                for (int i = 0; i < windows && !(until?.Invoke() ?? false); i++)
                {
                    machine.Read(frame);
                    clock = frame.RecordingTimeS;
                    monitor.Process(frame);
                }
            }
            async Task Command(JsonObject payload, byte[]? correlation = null)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
                var message = new MqttApplicationMessageBuilder().WithTopic(topics.Command).WithPayload(bytes)
                    .WithUserProperty("sig", Encoding.UTF8.GetBytes(Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(CommandKey), bytes))));
                if (correlation is not null) message.WithResponseTopic($"{settings.Mqtt.TopicPrefix}/operator/replies").WithCorrelationData(correlation);
                await processor.HandleAsync(message.Build());
            }

            Stream(300); // normal, lab mounting
            machine.Machine.SetCondition(machine.Machine.Condition with { MountingGain = 1.8, ResonanceHz = 2200, NoiseG = 0.04 });
            Stream(20_000, () => coordinator.Promoted > 0 || coordinator.Rejected > 1); // drift → skip2-lora-q4 → version 2
            Assert.Equal(2, registry.ActiveVersion);
            Stream(200);
            await Command(new JsonObject { ["id"] = "op-set-0", ["command"] = "set", ["ts"] = Now(), ["args"] = new JsonObject { ["key"] = "Adaptation:Mode", ["value"] = "confirm" } });
            long faultFrom = Now();
            machine.Machine.InjectFaults(new MachineFaults(OuterRace: 0.6));
            Stream(80);
            long faultTo = Now();
            machine.Machine.InjectFaults(MachineFaults.None);
            await Command(new JsonObject { ["id"] = "op-label-1", ["command"] = "label", ["ts"] = Now(), ["args"] = new JsonObject { ["from"] = faultFrom, ["to"] = faultTo, ["label"] = "fault" } }, [1, 2, 3, 4]);
            machine.Machine.SetCondition(machine.Machine.Condition with { MountingGain = 2.4, ResonanceHz = 2600 }); // moved again: drift, confirm waits
            Stream(500);
            await Command(new JsonObject { ["id"] = "op-retrain-2", ["command"] = "retrain", ["ts"] = Now(), ["args"] = new JsonObject { ["epochs"] = 20 } });
            await state.WriteAsync(_ => { });
            Assert.True(registry.ActiveVersion == 3, string.Join("\n", state.Database.GetCollection<EventRecord>("events").FindAll().OrderBy(e => e.Seq).TakeLast(12).Select(e => e.Json)));
            Stream(50);
            await Command(new JsonObject { ["id"] = "op-rollback-3", ["command"] = "rollback", ["ts"] = Now(), ["args"] = new JsonObject { ["version"] = 2 } }, "rollback"u8.ToArray());
            Stream(50);
            await Command(new JsonObject { ["id"] = "op-label-1", ["command"] = "status", ["ts"] = Now() }, [9, 9]); // a replayed id: refused
            await samples.FlushAsync();
            await state.WriteAsync(_ => { });
            Assert.Equal(2, registry.ActiveVersion);

            // The broker took all but the last few messages.
            IReadOnlyList<OutboxMessage> pending = events.Pending(100_000);
            foreach (OutboxMessage m in pending.Take(pending.Count - 8)) await events.MarkDeliveredAsync(m.Id);

            // What the test checks, read back through the same classes.
            result["activeVersion"] = registry.ActiveVersion;
            var versions = new JsonArray();
            foreach (ModelVersionRecord v in registry.List())
            {
                AnomalyModel model = registry.Load(v, new FineTuneOptions());
                versions.Add(new JsonObject
                {
                    ["version"] = v.Version, ["id"] = v.Id, ["parentVersion"] = v.ParentVersion, ["method"] = v.Method, ["loadedMethod"] = model.Method,
                    ["baseHash"] = v.BaseHash, ["baseFile"] = v.BaseFile, ["adapterFile"] = v.AdapterFile, ["adapterHash"] = v.AdapterHash,
                    ["trainSamples"] = v.TrainSamples, ["threshold"] = v.Threshold, ["reason"] = v.Reason, ["job"] = v.Job, ["retired"] = v.Retired,
                    ["metrics"] = new JsonObject(v.Metrics.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))),
                });
            }
            result["versions"] = versions;

            List<SampleRecord> all = [.. state.Database.GetCollection<SampleRecord>("samples").FindAll().OrderBy(s => s.Id)];
            IReadOnlyList<SampleRecord> labelled = samples.Labelled("fault");
            SampleRecord faultWindow = labelled.OrderBy(s => s.Id).First();
            SampleRecord normalWindow = all.Last(s => s.Label is null);
            result["samples"] = new JsonObject
            {
                ["count"] = all.Count, ["unlabelled"] = all.Count(s => s.Label is null), ["labelledFault"] = labelled.Count,
                ["minId"] = all[0].Id, ["maxId"] = all[^1].Id, ["featureSize"] = vectorizer.Size,
                ["nextIdReserved"] = state.Database.GetCollection<Counter>("counters").FindById("sample").Next,
                ["labelFrom"] = faultFrom, ["labelTo"] = faultTo,
            };
            var scored = new JsonArray();
            foreach ((string name, SampleRecord window) in new[] { ("fault", faultWindow), ("normal", normalWindow) })
            {
                var scores = new JsonObject();
                foreach (ModelVersionRecord v in registry.List()) scores[$"v{v.Version}"] = registry.Load(v, new FineTuneOptions()).Score(window.Vector());
                scored.Add(new JsonObject
                {
                    ["name"] = name, ["sampleId"] = window.Id, ["ts"] = window.Ts, ["label"] = window.Label,
                    ["features"] = new JsonArray([.. window.Vector().Select(f => (JsonNode?)f)]), ["scores"] = scores,
                });
            }
            result["windows"] = scored;

            List<EventRecord> log = [.. state.Database.GetCollection<EventRecord>("events").FindAll().OrderBy(e => e.Seq)];
            result["events"] = new JsonObject
            {
                ["count"] = log.Count, ["minSeq"] = log[0].Seq, ["maxSeq"] = log[^1].Seq,
                ["types"] = new JsonArray([.. log.Select(e => (JsonNode?)e.Type)]),
            };
            IReadOnlyList<OutboxMessage> outbox = events.Pending(100_000);
            result["outbox"] = new JsonArray([.. outbox.Select(m => (JsonNode?)new JsonObject
            {
                ["id"] = m.Id, ["topic"] = m.Topic, ["seq"] = m.Seq, ["type"] = m.Type, ["ts"] = m.Ts,
                ["correlationData"] = m.CorrelationData is null ? null : Convert.ToBase64String(m.CorrelationData), ["payload"] = m.Payload,
            })]);
            result["seenCommands"] = new JsonArray([.. state.Database.GetCollection<SeenCommand>("seen_commands").FindAll().OrderBy(c => c.Ts)
                .Select(c => (JsonNode?)new JsonObject { ["id"] = c.Id, ["ts"] = c.Ts })]);

            var scopes = new JsonArray();
            foreach (IGrouping<string, CacheDocument> scope in state.Database.GetCollection<CacheDocument>(LiteDbForwardCacheStore.CollectionName).FindAll().GroupBy(e => e.Scope))
                scopes.Add(new JsonObject { ["scope"] = scope.Key, ["count"] = scope.Count(), ["minSample"] = scope.Min(e => e.Sample), ["maxSample"] = scope.Max(e => e.Sample) });
            var tuner = (Skip2Lora)FineTuneMethods.Create("skip2-lora-q4", baseModel.Base, new FineTuneOptions { Rank = settings.Adaptation.Rank, BaseHash = baseModel.BaseHash, CacheStore = cache,
                Training = new TrainingOptions { Objective = Objective.Reconstruction } });
            long cachedSample = state.Database.GetCollection<CacheDocument>(LiteDbForwardCacheStore.CollectionName).FindAll().Min(e => e.Sample);
            var entry = new float[tuner.Cache.Codec.Layout.Length];
            Assert.True(tuner.Cache.TryGet(cachedSample, entry), $"{cachedSample} {tuner.Cache.Count} {tuner.Cache.Codec.Layout.Signature} {scopes.ToJsonString()}");
            result["forwardCache"] = new JsonObject
            {
                ["scopes"] = scopes, ["openedCount"] = tuner.Cache.Count, ["layout"] = tuner.Cache.Codec.Layout.Signature, ["encodedSize"] = tuner.Cache.Codec.EncodedSize,
                ["sample"] = cachedSample, ["entry"] = new JsonArray([.. entry.Select(f => (JsonNode?)f)]),
            };
        }
        return result;
    }

    static async Task<JsonObject> WriteModelFiles(string directory)
    {
        Directory.CreateDirectory(directory);
        string data = Path.Combine(RepositoryRoot(), "data", "cwru");
        string basePath = Path.Combine(directory, "cwru-base.sodl");
        string[] train = ["train", "--data", data, "--filter", "state=normal", "--exemplars", "fault=OR@6,load_hp=0", "--model-out", basePath];
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(0, await CommandLine.RunAsync(train, stdout, stderr));

        (ModelDocument baseDocument, string baseHash) = ModelFile.Read(basePath);
        AnomalyModel baseModel = AnomalyModelDocuments.ReadBase(baseDocument, baseHash);
        // An adapter set for that base, written the way ModelRegistry.AddAdapted writes a version's adapters.
        RecordingFeatures normal = RecordingFeatures.Read(data, "state=normal");
        float[] newNormal = [.. normal.Features.Select(f => f + 0.25f)]; // a shifted "new normal"
        long[] ids = [.. Enumerable.Range(1, normal.Count).Select(i => (long)i)];
        (AnomalyModel candidate, CandidateReport report) = ModelAdapter.Adapt(baseModel, newNormal, ids, baseModel.Exemplars, new AdaptationOptions());
        string adapterPath = Path.Combine(directory, "cwru-v2.sodla");
        string adapterHash = ModelFile.Write(adapterPath, AnomalyModelDocuments.Version(candidate));

        AnomalyModel reloaded = AnomalyModelDocuments.ReadVersion(baseModel, ModelFile.Read(adapterPath).Document, new FineTuneOptions());
        float[] window = normal.Row(0).ToArray();
        float[] exemplar = baseModel.Exemplars.AsSpan(0, baseModel.InputSize).ToArray();
        return new JsonObject
        {
            ["trainCommand"] = "sensorodl " + string.Join(' ', train.Select(a => a.Replace(RepositoryRoot() + "/", "").Replace(directory + "/", ""))),
            ["base"] = new JsonObject
            {
                ["file"] = "cwru-base.sodl", ["sha256"] = baseHash, ["kind"] = (int)baseDocument.Kind, ["featureConfig"] = baseModel.FeatureConfig,
                ["inputSize"] = baseModel.InputSize, ["threshold"] = baseModel.Threshold, ["exemplars"] = baseModel.ExemplarCount,
                ["layers"] = baseDocument.Layers.Count, ["tensors"] = new JsonArray([.. baseDocument.Tensors.Select(t => (JsonNode?)t.Name)]),
                ["metadata"] = new JsonObject(baseDocument.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))),
            },
            ["adapters"] = new JsonObject
            {
                ["file"] = "cwru-v2.sodla", ["sha256"] = adapterHash, ["method"] = candidate.Method, ["threshold"] = candidate.Threshold,
                ["accepted"] = report.Accepted, ["reason"] = report.Reason,
            },
            ["windows"] = new JsonArray(
                new JsonObject
                {
                    ["name"] = "normal row 0", ["features"] = new JsonArray([.. window.Select(f => (JsonNode?)f)]),
                    ["baseScore"] = baseModel.Score(window), ["adaptedScore"] = reloaded.Score(window),
                },
                new JsonObject
                {
                    ["name"] = "exemplar 0", ["features"] = new JsonArray([.. exemplar.Select(f => (JsonNode?)f)]),
                    ["baseScore"] = baseModel.Score(exemplar), ["adaptedScore"] = reloaded.Score(exemplar),
                }),
        };
    }

    static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "SensorOdl.sln"))) directory = Path.GetDirectoryName(directory);
        return directory ?? throw new InvalidOperationException("the repository root (SensorOdl.sln) was not found above the test's output directory");
    }
}
