namespace SensorOdl.Drivers.Simulation;

/// <summary>Bearing defect frequencies as multiples of shaft speed. Default: SKF 6205-2RS, the CWRU drive-end bearing.</summary>
/// <param name="Bpfo">Ball-pass frequency, outer race (× shaft).</param>
/// <param name="Bpfi">Ball-pass frequency, inner race (× shaft).</param>
public sealed record BearingGeometry(double Bpfo = 3.5848, double Bpfi = 5.4152)
{
    public static BearingGeometry Skf6205 { get; } = new();
}
