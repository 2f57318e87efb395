using System.Security.Cryptography;

namespace SensorOdl.Daemon.Mqtt;

/// <summary>
/// The command key of Security:CommandKeyFile and, for Security:KeyOverlapMinutes after a rotation, the key before it, so
/// that commands signed by an operator tool that has not picked up the new key yet still pass. Only the one previous key
/// is kept; the overlap runs on the monotonic clock, so a wall clock that jumps neither shortens nor stretches it.
/// </summary>
public sealed class CommandKeys(byte[] key, TimeSpan overlap, TimeProvider time)
{
    readonly object _gate = new();
    byte[] _current = key;
    byte[]? _previous;
    long _rotatedAt;

    /// <summary>Makes <paramref name="next"/> the key; the current one stays valid for the overlap. False when it is the same key.</summary>
    public bool Rotate(byte[] next)
    {
        lock (_gate)
        {
            if (CryptographicOperations.FixedTimeEquals(next, _current)) return false;
            _previous = _current;
            _current = next;
            _rotatedAt = time.GetTimestamp();
            return true;
        }
    }

    /// <summary>Whether <paramref name="signature"/> signs <paramref name="payload"/> with the key, or with the previous one inside the overlap.</summary>
    public KeyMatch Verify(byte[] payload, string signature)
    {
        byte[] current;
        byte[]? previous;
        bool inOverlap;
        lock (_gate)
        {
            current = _current;
            previous = _previous;
            inOverlap = previous is not null && time.GetElapsedTime(_rotatedAt) < overlap;
        }
        if (CommandSignature.Verify(current, payload, signature)) return KeyMatch.Current;
        if (previous is null || !CommandSignature.Verify(previous, payload, signature)) return KeyMatch.None;
        return inOverlap ? KeyMatch.Previous : KeyMatch.PreviousExpired;
    }
}

public enum KeyMatch
{
    None,
    Current,
    /// <summary>Signed with the key before the last rotation, inside the overlap: accepted.</summary>
    Previous,
    /// <summary>Signed with the key before the last rotation after the overlap ended: refused.</summary>
    PreviousExpired,
}
