namespace SensorOdl.Drivers.Recordings;

/// <summary>
/// One frame of a recording for batch use (train, evaluate, adapt-eval): a waveform window (<c>Data</c> channel-major,
/// <c>[Channels, Length]</c>) or a spectrum frame (<c>[1, bins]</c>), with where it came from.
/// </summary>
/// <param name="Entry">The recording, with all its manifest fields.</param>
/// <param name="FrameIndex">Window or frame number within the recording, from 0.</param>
/// <param name="RecordingTimeS">Start of the frame within the recording, in seconds.</param>
/// <param name="Data">The values; a fresh array per frame, safe to keep.</param>
/// <param name="Channels">Channels in <paramref name="Data"/>.</param>
/// <param name="Speed">Machine speed at this frame: the hmlo segment's speed, else the entry's <c>speed</c>, else null.</param>
public sealed record RecordedFrame(RecordingEntry Entry, int FrameIndex, double RecordingTimeS, float[] Data, int Channels, string? Speed)
{
    public RecordingKind Kind => Entry.Kind;
    public int Length => Data.Length / Channels;
    public ReadOnlySpan<float> Channel(int channel) => Data.AsSpan(channel * Length, Length);
}
