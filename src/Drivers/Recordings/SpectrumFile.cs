using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SensorOdl.Drivers.Recordings;

/// <summary>Random access to the frames of a spectrum recording (<c>frames × bins</c> float32, little-endian). No allocation per frame.</summary>
public sealed class SpectrumFile : IDisposable
{
    private readonly SafeFileHandle _handle;

    public SpectrumFile(RecordingEntry entry)
    {
        if (entry.Kind != RecordingKind.Spectrum) throw new ArgumentException($"Recording '{entry.File}' is not a spectrum.");
        if (!File.Exists(entry.Path)) throw new RecordingFormatException($"The recording file {entry.Path} does not exist.");
        Entry = entry;
        _handle = File.OpenHandle(entry.Path);
        long bytes = RandomAccess.GetLength(_handle);
        long frameBytes = 4L * entry.Bins;
        if (bytes % frameBytes != 0)
        {
            _handle.Dispose();
            throw new RecordingFormatException($"{entry.Path} holds {bytes} bytes, not a whole number of {entry.Bins}-bin frames.");
        }
        FrameCount = (int)(bytes / frameBytes);
    }

    public RecordingEntry Entry { get; }
    public int FrameCount { get; }
    public int Bins => Entry.Bins;

    // destination: [Bins] amplitudes of frame `frame`
    public void ReadFrame(int frame, Span<float> destination)
    {
        if ((uint)frame >= (uint)FrameCount) throw new ArgumentOutOfRangeException(nameof(frame));
        var target = destination[..Bins];
        var bytes = MemoryMarshal.AsBytes(target);
        int read = RandomAccess.Read(_handle, bytes, 4L * Bins * frame);
        if (read != bytes.Length) throw new RecordingFormatException($"{Entry.Path} ended inside frame {frame}.");
        if (!BitConverter.IsLittleEndian)
        {
            var ints = MemoryMarshal.Cast<float, int>(target);
            for (int i = 0; i < ints.Length; i++) ints[i] = BinaryPrimitives.ReverseEndianness(ints[i]);
        }
    }

    public void Dispose() => _handle.Dispose();
}
