namespace SensorOdl.Learning.Models;

/// <summary>A model or adapter file that cannot be used: truncated, corrupted, of another version or kind.</summary>
public sealed class ModelFormatException(string message) : Exception(message);
