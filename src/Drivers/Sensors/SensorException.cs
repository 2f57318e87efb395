namespace SensorOdl.Drivers.Sensors;

/// <summary>A device that answered but not as its datasheet says (wrong ID, impossible data). The message is one sentence.</summary>
public sealed class SensorException(string message, Exception? inner = null) : Exception(message, inner);
