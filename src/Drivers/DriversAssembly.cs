namespace SensorOdl.Drivers;

/// <summary>Marker for the drivers assembly: sensors, simulation, replay and window features.</summary>
public static class DriversAssembly
{
    public const string Name = "SensorOdl.Drivers";
}
