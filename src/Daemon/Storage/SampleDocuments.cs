using LiteDB;

namespace SensorOdl.Daemon.Storage;

/// <summary>A window of the sample store as stored: its probes as their stored bytes (<see cref="SampleProbeCodec"/>), null when it has none.</summary>
public sealed record StoredWindow(long Id, long Ts, string? Label, byte[] Features, byte[]? Probes);

/// <summary>
/// The one mapping of the <c>samples</c> collection's documents, by hand (no BsonMapper reflection: the daemon is
/// trimmed and built NativeAOT), and the reads and writes of it that other parts make inside their own transactions
/// (the forward cache's prune, the state archive). Field names and types are release 1's, so its documents read as they
/// are; <c>Probes</c> is new (absent in release 1's documents). Reads select only the fields they need, so LiteDB does
/// not decode the features and probes of every window to find ids and labels. Values go into a query as parameters,
/// never into its text: LiteDB compiles and keeps every distinct expression text for good.
/// </summary>
static class SampleDocuments
{
    public const string IdField = "_id", TsField = "Ts", FeaturesField = "Features", LabelField = "Label", ProbesField = "Probes";

    public static ILiteCollection<BsonDocument> Collection(LiteDatabase db) => db.GetCollection(SampleStore.CollectionName);

    public static BsonExpression Unlabelled => BsonExpression.Create("$.Label = null");

    public static BsonExpression Labelled => BsonExpression.Create("$.Label != null");

    public static BsonDocument ToDocument(long id, long ts, byte[] features, string? label, byte[]? probes)
    {
        var document = new BsonDocument { [IdField] = id, [TsField] = ts, [FeaturesField] = features };
        if (label is not null) document[LabelField] = label;
        if (probes is not null) document[ProbesField] = probes;
        return document;
    }

    public static BsonDocument ToDocument(StoredWindow window) => ToDocument(window.Id, window.Ts, window.Features, window.Label, window.Probes);

    public static SampleRecord ToRecord(BsonDocument document) => new()
    {
        Id = document[IdField].AsInt64,
        Ts = document[TsField].AsInt64,
        Features = document[FeaturesField].AsBinary,
        Label = LabelOf(document),
    };

    public static StoredWindow ToWindow(BsonDocument document) => new(document[IdField].AsInt64, document[TsField].AsInt64, LabelOf(document),
        document[FeaturesField].AsBinary, document[ProbesField] is { IsBinary: true } probes ? probes.AsBinary : null);

    static string? LabelOf(BsonDocument document) => document[LabelField] is { IsString: true } label ? label.AsString : null;

    /// <summary>The id of the oldest unlabelled window, null when there is none.</summary>
    public static long? OldestUnlabelledId(LiteDatabase db) =>
        Collection(db).Query().Where(Unlabelled).OrderBy(IdField).Select("{ Id: $._id }").Limit(1).ToEnumerable()
            .Select(d => (long?)d["Id"].AsInt64).FirstOrDefault();

    /// <summary>The ids of the labelled (pinned) windows below an id.</summary>
    public static HashSet<long> LabelledIdsBelow(LiteDatabase db, long id) =>
        [.. IdsWhere(db, BsonExpression.Create("$.Label != null AND $._id < @0", id))];

    /// <summary>The ids of the windows <paramref name="where"/> selects, in id order, read without their features and probes.</summary>
    public static IEnumerable<long> IdsWhere(LiteDatabase db, BsonExpression where) =>
        Collection(db).Query().Where(where).OrderBy(IdField).Select("{ Id: $._id }").ToEnumerable().Select(d => d["Id"].AsInt64);

    public static int CountLabelled(LiteDatabase db) => Collection(db).Count(Labelled);

    /// <summary>The labelled windows, or the unlabelled ones, whole (probes too), in id order.</summary>
    public static IEnumerable<StoredWindow> Windows(LiteDatabase db, bool labelled) =>
        Collection(db).Query().Where(labelled ? Labelled : Unlabelled).OrderBy(IdField).ToEnumerable().Select(ToWindow);
}
