using LiteDB;
using SensorOdl.Daemon.Adaptation;
using SensorOdl.Learning.Anomaly;

namespace SensorOdl.Daemon.Storage;

/// <summary>
/// The adaptation loop's state (<see cref="AdaptationLoopState"/>) in the state database: one document, read once at start,
/// written by the coordinator when it changes. A state written by a release without it, or one that no longer reads,
/// is an empty loop: a restart then forgets what it would have forgotten before.
/// </summary>
public sealed class AdaptationLoopStore(StateDatabase state)
{
    public const string CollectionName = "adaptation_loop";
    const string Id = "loop";

    public AdaptationLoopState? Load()
    {
        try { return state.Database.GetCollection(CollectionName).FindById(Id) is { } document ? FromDocument(document) : null; }
        catch (Exception e) when (e is LiteException or InvalidCastException) { return null; }
    }

    /// <summary>Queues the write; <paramref name="durable"/> for a change of the loop's shape, not for its counters.</summary>
    public void Save(AdaptationLoopState loop, bool durable) =>
        state.Post(db => db.GetCollection(CollectionName).Upsert(ToDocument(loop)), durable: durable);

    internal static BsonDocument ToDocument(AdaptationLoopState loop) => new BsonDocument()
        .Set("_id", Id)
        .Set(nameof(loop.Version), loop.Version)
        .Set(nameof(loop.EpisodeStartS), loop.EpisodeStartS)
        .Set(nameof(loop.Settling), loop.Settling)
        .Set(nameof(loop.SettleTarget), loop.SettleTarget)
        .Set(nameof(loop.NextAllowedS), loop.NextAllowedS)
        .Set(nameof(loop.Refine), Write(loop.Refine))
        .Set(nameof(loop.Watch), Write(loop.Watch))
        .Set(nameof(loop.Probation), Write(loop.Probation))
        .Set(nameof(loop.Pending), Write(loop.Pending))
        .Set(nameof(loop.Unmended), Write(loop.Unmended))
        .Set(nameof(loop.Uncovered), loop.Uncovered);

    internal static AdaptationLoopState FromDocument(BsonDocument d) => new()
    {
        Version = d.Int32(nameof(AdaptationLoopState.Version)),
        EpisodeStartS = d.NullableDouble(nameof(AdaptationLoopState.EpisodeStartS)),
        Settling = d.Boolean(nameof(AdaptationLoopState.Settling)),
        SettleTarget = d.Int32(nameof(AdaptationLoopState.SettleTarget)),
        NextAllowedS = d.NullableDouble(nameof(AdaptationLoopState.NextAllowedS)),
        Refine = d.Document(nameof(AdaptationLoopState.Refine)) is { } refine ? ReadRefine(refine) : null,
        Watch = d.Document(nameof(AdaptationLoopState.Watch)) is { } watch ? ReadWatch(watch) : null,
        Probation = d.Document(nameof(AdaptationLoopState.Probation)) is { } probation ? ReadProbation(probation) : null,
        Pending = d.Document(nameof(AdaptationLoopState.Pending)) is { } pending ? ReadPending(pending) : null,
        Unmended = d.Document(nameof(AdaptationLoopState.Unmended)) is { } unmended ? ReadShortfall(unmended) : null,
        Uncovered = d.NullableInt32(nameof(AdaptationLoopState.Uncovered)),
    };

    static BsonDocument? Write(StoredRefine? r) => r is null ? null : new BsonDocument()
        .Set(nameof(r.EpisodeStartS), r.EpisodeStartS).Set(nameof(r.Version), r.Version).Set(nameof(r.Reason), r.Reason).Set(nameof(r.Waited), r.Waited)
        .Set(nameof(r.ShortOfRoom), Write(r.ShortOfRoom)).Set(nameof(r.Recalibrates), r.Recalibrates);

    static StoredRefine ReadRefine(BsonDocument r) =>
        new(r.Double(nameof(StoredRefine.EpisodeStartS)), r.Int32(nameof(StoredRefine.Version)), r.String(nameof(StoredRefine.Reason)) ?? "refine",
            r.Int32(nameof(StoredRefine.Waited)))
        {
            ShortOfRoom = r.Document(nameof(StoredRefine.ShortOfRoom)) is { } kind ? ReadKind(kind) : null,
            Recalibrates = r.Boolean(nameof(StoredRefine.Recalibrates)),
        };

    static BsonDocument? Write(StoredWatch? w) => w is null ? null : new BsonDocument()
        .Set(nameof(w.EpisodeStartS), w.EpisodeStartS).Set(nameof(w.Version), w.Version).Set(nameof(w.ElapsedS), w.ElapsedS)
        .Set(nameof(w.Windows), w.Windows).Set(nameof(w.Flagged), w.Flagged);

    static StoredWatch ReadWatch(BsonDocument w) =>
        new(w.Double(nameof(StoredWatch.EpisodeStartS)), w.Int32(nameof(StoredWatch.Version)), w.Double(nameof(StoredWatch.ElapsedS)),
            w.Int64(nameof(StoredWatch.Windows)), w.Int64(nameof(StoredWatch.Flagged)));

    static BsonDocument? Write(StoredProbation? p) => p is null ? null : new BsonDocument()
        .Set(nameof(p.Version), p.Version).Set(nameof(p.PreviousVersion), p.PreviousVersion).Set(nameof(p.EpisodeStartS), p.EpisodeStartS)
        .Set(nameof(p.ElapsedS), p.ElapsedS).Set(nameof(p.Windows), p.Windows).Set(nameof(p.NewFlagged), p.NewFlagged).Set(nameof(p.OldFlagged), p.OldFlagged);

    static StoredProbation ReadProbation(BsonDocument p) =>
        new(p.Int32(nameof(StoredProbation.Version)), p.Int32(nameof(StoredProbation.PreviousVersion)), p.NullableDouble(nameof(StoredProbation.EpisodeStartS)),
            p.Double(nameof(StoredProbation.ElapsedS)), p.Int64(nameof(StoredProbation.Windows)), p.Int64(nameof(StoredProbation.NewFlagged)),
            p.Int64(nameof(StoredProbation.OldFlagged)));

    static BsonDocument? Write(StoredPending? c) => c is null ? null : new BsonDocument()
        .Set(nameof(c.Version), c.Version).Set(nameof(c.EpisodeStartS), c.EpisodeStartS).Set(nameof(c.Blindness), c.Blindness)
        .Set(nameof(c.ShortOfRoom), Write(c.ShortOfRoom)).Set(nameof(c.FewHeldOut), c.FewHeldOut);

    static StoredPending ReadPending(BsonDocument c) =>
        new(c.Int32(nameof(StoredPending.Version)), c.NullableDouble(nameof(StoredPending.EpisodeStartS)))
        {
            Blindness = c.String(nameof(StoredPending.Blindness)),
            ShortOfRoom = c.Document(nameof(StoredPending.ShortOfRoom)) is { } kind ? ReadKind(kind) : null,
            FewHeldOut = c.NullableInt32(nameof(StoredPending.FewHeldOut)),
        };

    static BsonDocument? Write(StoredShortfall? u) => u is null ? null : new BsonDocument()
        .Set(nameof(u.Version), u.Version).Set(nameof(u.ShortOfRoom), Write(u.ShortOfRoom)).Set(nameof(u.Why), u.Why);

    /// <summary>Null for a document without its probe verdict (it cannot be shown without one).</summary>
    static StoredShortfall? ReadShortfall(BsonDocument u) => u.Document(nameof(StoredShortfall.ShortOfRoom)) is { } kind
        ? new StoredShortfall(u.Int32(nameof(StoredShortfall.Version)), ReadKind(kind), u.String(nameof(StoredShortfall.Why)) ?? "")
        : null;

    static BsonDocument? Write(ProbeKindVerdict? k) => k is null ? null : new BsonDocument()
        .Set(nameof(k.Kind), k.Kind).Set(nameof(k.Candidate), k.Candidate).Set(nameof(k.Neighbours), k.Neighbours).Set(nameof(k.Reference), k.Reference)
        .Set(nameof(k.RoomBar), k.RoomBar).Set(nameof(k.Unadapted), k.Unadapted).Set(nameof(k.InUse), k.InUse);

    static ProbeKindVerdict ReadKind(BsonDocument k) =>
        new(k.String(nameof(ProbeKindVerdict.Kind)) ?? "", k.Double(nameof(ProbeKindVerdict.Candidate)), k.Double(nameof(ProbeKindVerdict.Neighbours)),
            k.Double(nameof(ProbeKindVerdict.Reference)))
        {
            RoomBar = k.Double(nameof(ProbeKindVerdict.RoomBar)),
            Unadapted = k.NullableDouble(nameof(ProbeKindVerdict.Unadapted)),
            InUse = k.NullableDouble(nameof(ProbeKindVerdict.InUse)),
        };
}
