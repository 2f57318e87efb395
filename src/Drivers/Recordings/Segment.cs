namespace SensorOdl.Drivers.Recordings;

/// <summary>A run of frames <c>[From, To)</c> during which the machine held one speed (hmlo recordings).</summary>
public sealed record Segment(string Speed, int From, int To)
{
    public bool Contains(int frame) => frame >= From && frame < To;
}
