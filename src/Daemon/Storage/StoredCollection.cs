using LiteDB;

namespace SensorOdl.Daemon.Storage;

/// <summary>
/// A LiteDB collection of <typeparamref name="T"/> mapped by hand-written functions instead of LiteDB's reflection
/// (<see cref="BsonMapper"/> loses stored documents in a trimmed or NativeAOT build). Queries are LiteDB expressions
/// over the stored field names (<c>_id</c> for the id).
/// </summary>
sealed class StoredCollection<T>(ILiteCollection<BsonDocument> collection, Func<T, BsonDocument> toDocument, Func<BsonDocument, T> fromDocument)
    where T : class
{
    public ILiteCollection<BsonDocument> Documents => collection;

    public T? FindById(BsonValue id) => collection.FindById(id) is { } document ? fromDocument(document) : null;

    public T? FindOne(BsonExpression predicate) => collection.FindOne(predicate) is { } document ? fromDocument(document) : null;

    public IEnumerable<T> Find(BsonExpression predicate) => collection.Find(predicate).Select(fromDocument);

    public IEnumerable<T> FindAll() => collection.FindAll().Select(fromDocument);

    /// <summary>The first <paramref name="limit"/> matches of <paramref name="predicate"/> in ascending id order.</summary>
    public IEnumerable<T> FirstById(BsonExpression predicate, int limit) =>
        collection.Query().Where(predicate).OrderBy("_id").Limit(limit).ToEnumerable().Select(fromDocument);

    public BsonValue Insert(T item) => collection.Insert(toDocument(item));

    public int InsertBulk(IEnumerable<T> items) => collection.InsertBulk(items.Select(toDocument));

    public bool Update(T item) => collection.Update(toDocument(item));

    public bool Upsert(T item) => collection.Upsert(toDocument(item));

    public int Upsert(IEnumerable<T> items) => collection.Upsert(items.Select(toDocument));

    public bool Delete(BsonValue id) => collection.Delete(id);

    public int DeleteMany(BsonExpression predicate) => collection.DeleteMany(predicate);

    public int DeleteAll() => collection.DeleteAll();

    public int Count() => collection.Count();
}
