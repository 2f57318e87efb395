using LiteDB;

namespace SensorOdl.Daemon.Storage;

/// <summary>
/// Reading and writing the fields of stored documents by hand, the way LiteDB's <see cref="BsonMapper"/> wrote them
/// before (its reflection does not survive trimming or NativeAOT): a null value is left out, an empty string is stored
/// as null, a float as a double, and a missing field reads as the property's default. So documents written by
/// the previous release read back the same, and the documents written now are the bytes it wrote (StoredDocumentTests).
/// </summary>
static class BsonFields
{
    public static BsonDocument Set(this BsonDocument document, string name, string? value)
    {
        if (value is not null) document[name] = value.Length == 0 ? BsonValue.Null : value;
        return document;
    }

    public static BsonDocument Set(this BsonDocument document, string name, long? value)
    {
        if (value is { } v) document[name] = v;
        return document;
    }

    public static BsonDocument Set(this BsonDocument document, string name, int? value)
    {
        if (value is { } v) document[name] = v;
        return document;
    }

    public static BsonDocument Set(this BsonDocument document, string name, long value)
    {
        document[name] = value;
        return document;
    }

    public static BsonDocument Set(this BsonDocument document, string name, int value)
    {
        document[name] = value;
        return document;
    }

    public static BsonDocument Set(this BsonDocument document, string name, double value)
    {
        document[name] = value;
        return document;
    }

    public static BsonDocument Set(this BsonDocument document, string name, bool value)
    {
        document[name] = value;
        return document;
    }

    public static BsonDocument Set(this BsonDocument document, string name, byte[]? value)
    {
        if (value is not null) document[name] = value;
        return document;
    }

    public static BsonDocument Set(this BsonDocument document, string name, BsonDocument? value)
    {
        if (value is not null) document[name] = value;
        return document;
    }

    public static BsonDocument Set(this BsonDocument document, string name, double? value)
    {
        if (value is { } v) document[name] = v;
        return document;
    }

    static BsonValue? Field(BsonDocument document, string name) =>
        document.TryGetValue(name, out BsonValue value) && !value.IsNull ? value : null;

    public static string? String(this BsonDocument document, string name) => Field(document, name)?.AsString;

    public static long Int64(this BsonDocument document, string name) => Field(document, name)?.AsInt64 ?? 0;

    public static long? NullableInt64(this BsonDocument document, string name) => Field(document, name)?.AsInt64;

    public static int Int32(this BsonDocument document, string name) => Field(document, name)?.AsInt32 ?? 0;

    public static int? NullableInt32(this BsonDocument document, string name) => Field(document, name)?.AsInt32;

    public static double Double(this BsonDocument document, string name) => Field(document, name)?.AsDouble ?? 0;

    public static double? NullableDouble(this BsonDocument document, string name) => Field(document, name)?.AsDouble;

    public static BsonDocument? Document(this BsonDocument document, string name) => Field(document, name) is { IsDocument: true } value ? value.AsDocument : null;

    public static bool Boolean(this BsonDocument document, string name) => Field(document, name)?.AsBoolean ?? false;

    public static byte[]? Binary(this BsonDocument document, string name) => Field(document, name)?.AsBinary;
}
