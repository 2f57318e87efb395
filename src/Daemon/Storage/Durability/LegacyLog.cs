using LiteDB;

namespace SensorOdl.Daemon.Storage.Durability;

/// <summary>
/// Migration from state format 1: the previous release let LiteDB keep its own log, <c>sensorodl-log.db</c>, which
/// holds commits not yet folded into the data file after an unclean stop. Those are folded in once by LiteDB itself
/// (a checkpoint), the data file synced, and the old log removed; from then on the framed log is the log.
/// </summary>
static class LegacyLog
{
    public const string FileName = "sensorodl-log.db";

    public static void FoldIn(IStorageFiles files, string stateDirectory)
    {
        string legacy = Path.Combine(stateDirectory, FileName);
        if (files is not DiskFiles || !files.Exists(legacy)) return;
        string data = Path.Combine(stateDirectory, StateDatabase.FileName);
        using (var db = new LiteDatabase(new ConnectionString { Filename = data, Connection = ConnectionType.Direct }))
            db.Checkpoint();
        using (IStorageFile file = files.Open(data)) file.Sync();
        files.Delete(legacy); // LiteDB removes an emptied log when it closes; this covers a log it left behind
        files.SyncDirectory(stateDirectory);
    }
}
