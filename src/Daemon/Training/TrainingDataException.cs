namespace SensorOdl.Daemon.Training;

/// <summary>The recordings cannot train what was asked (wrong kind, missing field, no normal class): one sentence for the user.</summary>
public sealed class TrainingDataException(string message) : Exception(message);
